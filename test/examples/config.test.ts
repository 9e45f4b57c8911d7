import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSettings } from '../../src/config/load';
import { configRows } from '../../src/config/reference';
import { examplesDir } from '../helpers/examples';

const file = path.join(examplesDir, 'config.yaml');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-example-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('examples/config.yaml', () => {
  it('loads with the real config loader, durations and edges included', async () => {
    const settings = await loadSettings({ config: file }, {}, { isRoot: false, homedir: dir });
    const { config } = settings;
    expect(settings.configFile).toMatchObject({ path: file, exists: true });
    expect(config.chat.destinations.map((d) => [d.name, d.type, d.minSeverity, d.via])).toEqual([
      ['ops', 'slack', 'chatty', 'node'],
      ['pager', 'mattermost', 'critical', 'node'],
      ['ops-digest', 'discord', 'chatty', 'monitor'],
      ['incidents', 'webhook', 'chatty', 'node'],
    ]);
    expect(config.outbox.maxBackoffSeconds).toBe(600);
    expect(config.heartbeat.workTimeoutSeconds).toBe(600);
    expect(config.presence.heartbeat.branch).toBe('heartbeat');
    expect(config.sinks.exec[0]).toMatchObject({ name: 'cmdb', kinds: ['state'] });
    expect(settings.lifecycle.next.get('initdone')?.has('testing')).toBe(true);
    expect(settings.lifecycle.next.get('testing')).toEqual(new Set(['running', 'draining', 'wedged']));
  });

  it('shows every section of the schema', () => {
    const sections = configRows().filter((row) => !row.path.includes('.') && row.isObject).map((row) => row.path);
    expect(Object.keys(parse(fs.readFileSync(file, 'utf8'))).sort()).toEqual(sections.sort());
  });
});
