import { describe, expect, it } from 'vitest';
import { createRedactor, environmentSecrets, fileSecretValues, looksLikeSecret, redactSecrets, redactUrlCredentials } from '../../src/core/secrets';
import { isValidInstanceId } from '../../src/core/ids';

describe('secret detection', () => {
  it.each([
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['an AWS secret key', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'],
    ['a Slack bot token', 'xoxb-EXAMPLE-0000000000-abcdef'],
    ['a GitHub token', 'ghp_EXAMPLE0000000000000000000000000000'],
    ['a GitLab token', 'glpat-EXAMPLE0000000000000'],
    ['a URL with credentials', 'https://deploy:s3cret@git.example.com/grid.git'],
  ])('recognises %s', (_, value) => {
    expect(looksLikeSecret(value)).toBe(true);
    expect(redactSecrets(`x ${value} y`)).not.toContain(value);
  });

  it('leaves ordinary identity values alone', () => {
    for (const value of ['i-4e7cb59a', 'fed1', 'db1', 'lad1', 'repo2_petulant-cyril', '10.0.1.17', 'ip-10-0-1-17.ec2.internal']) {
      expect(looksLikeSecret(value)).toBe(false);
    }
  });

  it('redacts the credentials of a URL and keeps the host', () => {
    expect(redactUrlCredentials('push to https://user:token@127.0.0.1:9418/grid.git failed')).toBe('push to https://****@127.0.0.1:9418/grid.git failed');
  });

  it('redacts known secret strings given by config', () => {
    expect(redactSecrets('POST http://127.0.0.1:1/hook/abcdef123 failed', ['http://127.0.0.1:1/hook/abcdef123'])).toBe('POST **** failed');
  });
});

describe('instance ids', () => {
  it('accepts EC2 ids and hostnames, refuses paths and empties', () => {
    expect(isValidInstanceId('i-0123456789abcdef0')).toBe(true);
    expect(isValidInstanceId('web-01.example.com')).toBe(true);
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a b', 'x'.repeat(129), 'a\0b']) expect(isValidInstanceId(bad)).toBe(false);
  });
});

describe('the redactor', () => {
  // Obviously fake, shaped like the real thing.
  const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const TOKEN = 'tok-9f8e7d6c5b4a';
  const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
  const shapesOnly = createRedactor([]);

  it('masks the value of KEY=VALUE when the name says it is a secret, whatever its shape', () => {
    expect(shapesOnly(`AWS_SECRET_ACCESS_KEY=${SK}`)).toBe('AWS_SECRET_ACCESS_KEY=****');
    expect(redactSecrets(`export AWS_SECRET_ACCESS_KEY=${SK} && run`)).toBe('export AWS_SECRET_ACCESS_KEY=**** && run');
    expect(shapesOnly('MY_API_TOKEN=abc123 DB_PASSWORD="two words" STRIPE_KEY=sk1 ?sig=Zm9v&x=1')).toBe('MY_API_TOKEN=**** DB_PASSWORD=**** STRIPE_KEY=**** ?sig=****&x=1');
    expect(shapesOnly('{"aws_secret_access_key": "short"}')).toBe('{"aws_secret_access_key": "****"}');
    // Names of where a secret is kept, and ordinary settings, stay.
    expect(shapesOnly('AWS_SHARED_CREDENTIALS_FILE=/root/.aws/credentials state=setup')).toBe('AWS_SHARED_CREDENTIALS_FILE=/root/.aws/credentials state=setup');
  });

  it('masks a bare 40-character key and its URL-encoded KEY=VALUE form by shape', () => {
    expect(shapesOnly(`copied ${SK} by mistake`)).toBe('copied **** by mistake');
    expect(shapesOnly(`GET /x?q=${encodeURIComponent(`AWS_SECRET_ACCESS_KEY=${SK}`)} 500`)).not.toContain('K7MDENG');
  });

  it('removes known values wherever they stand: bare, inside other text, URL-encoded, JSON-escaped', () => {
    const odd = 'pa ss"w/rd+1';
    const redact = createRedactor([SK, TOKEN, odd]);
    expect(redact(`x${TOKEN}y`)).toBe('x****y');
    expect(redact(`prefix-${SK}-suffix`)).toBe('prefix-****-suffix');
    expect(redact(`echo ${encodeURIComponent(SK)} and ${encodeURIComponent(SK).toLowerCase().replace(/jalr/g, 'JALR')}`)).not.toMatch(/K7MDENG/i);
    expect(redact(`body=${encodeURIComponent(odd)}&form=${encodeURIComponent(odd).replace(/%20/g, '+')}`)).toBe('body=****&form=****');
    expect(redact(JSON.stringify({ note: `was ${odd}` }))).toBe('{"note":"was ****"}');
  });

  it('keeps commit SHAs and paths, which operators need', () => {
    const redact = createRedactor([TOKEN]);
    for (const text of [
      `deployed ${SHA} to fed1`,
      `sha=${SHA}`,
      'lock /root/.local/state/nodegrid/clones/presence-origin.git/shallow.lock held by pid 7',
      'lock /srv/Grid2/home/clones/presence/origin/x.lock held by pid 7',
      'git@github.com:example/grid.git and https://example.com/a/b',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it('skips very short known values, so ordinary words survive', () => {
    expect(createRedactor(['admin', 'fed1', ''])('admin of fed1')).toBe('admin of fed1');
  });

  it('takes secrets from the environment by name, and URL credentials from any variable', () => {
    const secrets = environmentSecrets({
      AWS_SECRET_ACCESS_KEY: SK,
      AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLE',
      MY_API_TOKEN: TOKEN,
      DATABASE_URL: 'postgres://app:dbpass123@db.internal/app',
      HOME: '/root',
      PATH: '/usr/bin:/bin',
      SSH_KEY_PATH: '/root/.ssh/id_ed25519',
      TOKEN_TTL: '3600000',
    });
    expect(secrets).toEqual(expect.arrayContaining([SK, 'FwoGZXIvYXdzEXAMPLE', TOKEN, 'dbpass123']));
    expect(secrets).not.toContain('/root');
    expect(secrets).not.toContain('/root/.ssh/id_ed25519');
    expect(secrets).not.toContain('3600000');
  });

  it('takes every value of a secret file: all of it, each line, each name = value', () => {
    expect(fileSecretValues('[default]\naws_secret_access_key = abcdef123456\n')).toEqual(expect.arrayContaining(['abcdef123456', '[default]']));
  });
});
