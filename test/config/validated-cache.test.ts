import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load';
import { configSchema, defaultConfig } from '../../src/config/schema';
import { recallValidatedConfig, rememberValidatedConfig, VALIDATED_CONFIG_FILE } from '../../src/config/validated-cache';
import { announceBuild } from '../../src/sys/build-id';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-config-cache-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const BUILD = Symbol.for('nodegrid.build');
const SECRET = 'hooksSecretEXAMPLE0123456789';
const SIGNING = 'signingSecretEXAMPLE';
const CONFIG_PATH = '/etc/nodegrid/config.yaml';
const TEXT = [
  'chat:',
  '  destinations:',
  '    - name: ops',
  '      type: slack',
  `      url: https://127.0.0.1:9/services/T0/B0/${SECRET}`,
  `      secret: ${SIGNING}`,
  'outbox:',
  '  maxPerSink: 500',
  '',
].join('\n');

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(dir, 'home-'));
  announceBuild('v20-test-build');
});
afterEach(() => {
  Reflect.deleteProperty(globalThis, BUILD);
});

const kept = (): string => path.join(home, VALIDATED_CONFIG_FILE);

describe('the validated config kept between starts', () => {
  it('is recalled exactly as the schema gave it, for the same build, path and text', async () => {
    const config = await parseConfigText(TEXT, CONFIG_PATH);
    rememberValidatedConfig(home, CONFIG_PATH, TEXT, config, configSchema);
    expect(fs.statSync(kept()).mode & 0o777).toBe(0o600);
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT)).toStrictEqual(config);
  });

  it('holds no string of the config file: each is a place in the text, read back from the text', async () => {
    const config = await parseConfigText(TEXT, CONFIG_PATH);
    rememberValidatedConfig(home, CONFIG_PATH, TEXT, config, configSchema);
    const written = fs.readFileSync(kept(), 'utf8');
    for (const secret of [SECRET, SIGNING, 'services/T0', 'ops']) expect(written).not.toContain(secret);
  });

  it('is not recalled for a changed text, another config path or another build', async () => {
    const config = await parseConfigText(TEXT, CONFIG_PATH);
    rememberValidatedConfig(home, CONFIG_PATH, TEXT, config, configSchema);
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT.replace('500', '600'))).toBeUndefined();
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT.replace('ops', 'opz'))).toBeUndefined();
    expect(recallValidatedConfig(home, CONFIG_PATH, undefined)).toBeUndefined();
    expect(recallValidatedConfig(home, '/elsewhere/config.yaml', TEXT)).toBeUndefined();
    announceBuild('v20-another-build');
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT)).toBeUndefined();
  });

  it('keeps the defaults for a node with no config file', () => {
    rememberValidatedConfig(home, CONFIG_PATH, undefined, defaultConfig(), configSchema);
    expect(recallValidatedConfig(home, CONFIG_PATH, undefined)).toStrictEqual(defaultConfig());
    expect(recallValidatedConfig(home, CONFIG_PATH, '')).toBeUndefined();
  });

  it('keeps nothing when a string is not in the text as written (an escape), since it would be kept as it is', async () => {
    const escaped = TEXT.replace(`secret: ${SIGNING}`, 'secret: "signing\\x53ecretEXAMPLE"');
    const config = await parseConfigText(escaped, CONFIG_PATH);
    expect(config.chat.destinations[0]!.secret).toBe('signingSecretEXAMPLE');
    rememberValidatedConfig(home, CONFIG_PATH, escaped, config, configSchema);
    expect(fs.existsSync(kept())).toBe(false);
  });

  it('is not read when others could read or change it, or when it is damaged', async () => {
    const config = await parseConfigText(TEXT, CONFIG_PATH);
    rememberValidatedConfig(home, CONFIG_PATH, TEXT, config, configSchema);
    fs.chmodSync(kept(), 0o644);
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT)).toBeUndefined();
    fs.chmodSync(kept(), 0o600);
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT)).toStrictEqual(config);

    const entry = JSON.parse(fs.readFileSync(kept(), 'utf8')) as { config: { chat: { destinations: Array<{ url: unknown }> } } };
    entry.config.chat.destinations[0]!.url = { $t: [0, TEXT.length + 5] };
    fs.writeFileSync(kept(), JSON.stringify(entry));
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT)).toBeUndefined();
    fs.writeFileSync(kept(), '{"build": ');
    expect(recallValidatedConfig(home, CONFIG_PATH, TEXT)).toBeUndefined();
  });

  it('is never a reason to create a home, and is off when run from source (no build named)', async () => {
    const config = await parseConfigText(TEXT, CONFIG_PATH);
    const missing = path.join(home, 'no-such-home');
    rememberValidatedConfig(missing, CONFIG_PATH, TEXT, config, configSchema);
    expect(fs.existsSync(missing)).toBe(false);

    Reflect.deleteProperty(globalThis, BUILD);
    rememberValidatedConfig(home, CONFIG_PATH, TEXT, config, configSchema);
    expect(fs.existsSync(kept())).toBe(false);
  });
});
