import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const user = { isRoot: false, homedir: path.join(dir, 'user') };

describe('settings precedence: flags > environment > config file > defaults', () => {
  it('uses XDG defaults for a normal user with no config file', async () => {
    const settings = await loadSettings({}, { XDG_STATE_HOME: path.join(dir, 'state') }, user);
    expect(settings.configFile).toMatchObject({ path: path.join(user.homedir, '.config/nodegrid/config.yaml'), source: 'default', exists: false });
    expect(settings.homeDir).toEqual({ path: path.join(dir, 'state/nodegrid'), source: 'default' });
    expect(settings.nodeinfoDir).toEqual({ path: path.join(dir, 'state/nodegrid/nodeinfo'), source: 'default' });
    expect(settings.config.outbox.waitSeconds).toBe(10);
  });

  it('uses the original layout as root', async () => {
    const settings = await loadSettings({ config: path.join(dir, 'absent-is-named.yaml') }, {}, { isRoot: true, homedir: '/root' }).catch((e: unknown) => e);
    expect(settings).toBeInstanceOf(Error); // a named config must exist
    const rootDefaults = await loadSettings({}, {}, { isRoot: true, homedir: path.join(dir, 'no-such-root') });
    expect(rootDefaults.nodeinfoDir.path).toBe('/root/nodeinfo');
    expect(rootDefaults.homeDir.path).toBe('/var/lib/nodegrid');
    expect(rootDefaults.configFile.path).toBe('/etc/nodegrid/config.yaml');
  });

  it('takes the config file over defaults, env over the file, and flags over env', async () => {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, `home: ${dir}/from-config\nnodeinfo: ${dir}/ni-config\noutbox:\n  waitSeconds: 2m\n`);
    const fromFile = await loadSettings({ config: file }, {}, user);
    expect(fromFile.homeDir).toEqual({ path: `${dir}/from-config`, source: 'config' });
    expect(fromFile.nodeinfoDir.source).toBe('config');
    expect(fromFile.config.outbox.waitSeconds).toBe(120);
    const fromEnv = await loadSettings({}, { NODEGRID_CONFIG: file, NODEGRID_HOME: `${dir}/from-env` }, user);
    expect(fromEnv.configFile.source).toBe('env');
    expect(fromEnv.homeDir).toEqual({ path: `${dir}/from-env`, source: 'env' });
    const fromFlag = await loadSettings({ config: file, home: `${dir}/from-flag` }, { NODEGRID_HOME: `${dir}/from-env` }, user);
    expect(fromFlag.homeDir).toEqual({ path: `${dir}/from-flag`, source: 'flag' });
  });

  it('reads JSON or YAML by content', async () => {
    const file = path.join(dir, 'config-json.yaml');
    fs.writeFileSync(file, '{"grid": {"staleAfterBeats": 5}}');
    expect((await loadSettings({ config: file }, {}, user)).config.grid.staleAfterBeats).toBe(5);
  });
});

describe('a config file that does not parse', () => {
  const refusal = async (name: string, text: string): Promise<string> => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const error = await loadSettings({ config: file }, {}, user).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CONFIG' });
    return (error as Error).message.replace(file, 'FILE');
  };

  it('names the file, the line and column and the problem, and stops there (no dangling "column 1:", no source line)', async () => {
    expect(await refusal('flow.yaml', 'home: /x\nsinks: [\n')).toBe('config file FILE is not valid YAML at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]');
    expect(await refusal('twice.yaml', 'home: /x\nhome: /y\n')).toBe('config file FILE is not valid YAML at line 2, column 1: Map keys must be unique');
    expect(await refusal('tab.yaml', 'chat:\n\t- x\n')).toBe('config file FILE is not valid YAML at line 2, column 1: Tabs are not allowed as indentation');
  });

  it('never quotes the text around the problem, which may be a secret', async () => {
    const yaml = await refusal('secret.yaml', 'chat:\n  destinations:\n    - {name: ops, type: slack, url: "https://hooks.example/T0KEN-SECRET}\n');
    expect(yaml).toMatch(/^config file FILE is not valid YAML at line \d+, column \d+: [^\n]+$/);
    expect(yaml).not.toContain('T0KEN-SECRET');
    const json = await refusal('secret.json', '{"chat": {"destinations": [{"url": "https://hooks.example/T0KEN-SECRET"}}');
    expect(json).toMatch(/^config file FILE is not valid JSON( at line 1, column \d+)?: [^\n]+$/);
    expect(json).not.toContain('T0KEN-SECRET');
    // V8's wording differs between Node versions; its position is turned into a line and column.
    expect(await refusal('lines.json', '{\n  "home": "/x",\n  "nodeinfo" "/y"\n}\n')).toMatch(/^config file FILE is not valid JSON at line 3, column 14: [A-Z][^\n]*[a-z']$/);
  });
});
