import { describe, expect, it } from 'vitest';
import { looksLikeSecret, redactSecrets, redactUrlCredentials } from '../../src/core/secrets';
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
