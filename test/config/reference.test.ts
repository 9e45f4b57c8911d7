import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { CONFIG_DESCRIPTIONS } from '../../src/config/descriptions';
import { duration } from '../../src/config/duration';
import { configRows, renderConfigReference, replaceReferenceBlock, REFERENCE_END, REFERENCE_START } from '../../src/config/reference';
import { nodegridBin } from '../helpers/cli';

const root = path.resolve(import.meta.dirname, '../..');
const readme = (): string => fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-reference-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the configuration reference', () => {
  it('has a description for every key of the schema, and none for keys it no longer has', () => {
    const keys = configRows().map((row) => row.path);
    expect(keys.length).toBeGreaterThan(50);
    const undescribed = keys.filter((key) => !(CONFIG_DESCRIPTIONS[key] ?? '').trim());
    expect(undescribed, 'add these to src/config/descriptions.ts').toEqual([]);
    const orphaned = Object.keys(CONFIG_DESCRIPTIONS).filter((key) => !keys.includes(key));
    expect(orphaned, 'these keys are gone from the schema').toEqual([]);
  });

  it("is the README's block, as `npm run docs` generates it now", () => {
    const text = readme();
    const block = text.slice(text.indexOf(REFERENCE_START), text.indexOf(REFERENCE_END) + REFERENCE_END.length);
    expect(block, 'README.md is out of date: run `npm run docs`').toBe(renderConfigReference());
    // The hand-written precedence table stays above the generated block.
    expect(text.indexOf('| config file | `--config` | `NODEGRID_CONFIG`')).toBeLessThan(text.indexOf(REFERENCE_START));
  });

  it('describes types, defaults and allowed values by walking the schema', () => {
    const rows = Object.fromEntries(configRows().map((row) => [row.path, row]));
    expect(rows['chat.destinations[].type']).toMatchObject({ type: 'one of `slack`, `mattermost`, `rocketchat`, `discord`, `teams`, `hipchat`, `webhook`', default: 'required' });
    expect(rows['chat.destinations[].minSeverity']).toMatchObject({ type: 'one of `quiet`, `chatty`, `critical`', default: '`chatty`' });
    expect(rows['heartbeat.workTimeoutSeconds']).toMatchObject({ type: 'duration (s)', default: '`600`' });
    expect(rows['grid.zombieAfterMinutes']).toMatchObject({ type: 'duration (m)', default: '`30`' });
    expect(rows['grid.workingStates']).toMatchObject({ default: '`[initdone, running]`' });
    expect(rows['presence.heartbeat.everyMinutes']).toMatchObject({ type: 'duration (m)', default: '`1`' });
    expect(rows['grid.staleAfterBeats']).toMatchObject({ type: 'integer ≥ 1', default: '`3`' });
    expect(rows['lifecycle.edges']?.type).toBe('list of ([string, string] or {from, to})');
    expect(rows['lifecycle.states.<name>.color']?.type).toBe('one of `green`, `yellow`, `red`, `purple`, `gray`');
    expect(rows['presence.remotes[].url']?.default).toBe('required');
    expect(rows['ec2.region']).toMatchObject({ type: 'string: an AWS region such as us-west-2', default: '' });
  });

  it('walks any zod/mini schema: defaults, optionals, pipes, unions, records, durations', () => {
    const schema = z.strictObject({
      a: z._default(z.strictObject({ wait: z._default(duration('s'), 5), mode: z.optional(z.enum(['x', 'y'])) }), { wait: 5 }),
      list: z._default(z.array(z.union([z.string(), z.strictObject({ id: z.number().check(z.int(), z.minimum(2)) })])), []),
      map: z.optional(z.record(z.string(), z.strictObject({ on: z.boolean() }))),
      piped: z.pipe(z.string(), z.transform((s: string) => s.length)),
    });
    expect(configRows(schema as never).map((row) => [row.path, row.type, row.default])).toEqual([
      ['a', 'object', ''],
      ['a.wait', 'duration (s)', '`5`'],
      ['a.mode', 'one of `x`, `y`', ''],
      ['list', 'list of (string or {id})', '`[]`'],
      ['list[].id', 'integer ≥ 2', 'required'],
      ['map', 'map of name → object', ''],
      ['map.<name>.on', 'boolean', 'required'],
      ['piped', 'string', 'required'],
    ]);
  });

  it('`npm run docs` rewrites a stale block and `--check` fails on it', () => {
    const copy = path.join(tmp, 'README.md');
    const text = readme();
    fs.writeFileSync(copy, replaceReferenceBlock(text, `${REFERENCE_START}\n| \`grid.old\` | gone |\n${REFERENCE_END}`));
    const script = path.join(root, 'scripts/config-reference.mjs');
    const stale = spawnSync(process.execPath, [script, '--check', '--readme', copy], { encoding: 'utf8' });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/out of date; run `npm run docs`/);
    execFileSync(process.execPath, [script, '--readme', copy]);
    expect(fs.readFileSync(copy, 'utf8')).toBe(text);
    expect(spawnSync(process.execPath, [script, '--check', '--readme', copy]).status).toBe(0);
  });

  it('keeps the descriptions out of the bundle a node starts every minute', () => {
    const bundle = fs.readFileSync(nodegridBin(), 'utf8');
    expect(bundle).not.toContain(CONFIG_DESCRIPTIONS['heartbeat.wedgeAfterFailures']);
    expect(bundle).not.toContain(CONFIG_DESCRIPTIONS['outbox.maxBackoffSeconds']);
  });
});
