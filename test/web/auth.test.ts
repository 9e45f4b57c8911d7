import { describe, expect, it } from 'vitest';
import { clientKey, TokenAttempts } from '../../src/web/auth';

describe('TokenAttempts', () => {
  it('lets 10 wrong tokens a minute through, then asks the same client to wait until the oldest is a minute old', () => {
    const attempts = new TokenAttempts(10, 60_000);
    for (let i = 0; i < 10; i++) {
      expect(attempts.retryAfterMs('10.0.0.7', 1000 + i * 1000)).toBe(0);
      attempts.fail('10.0.0.7', 1000 + i * 1000);
    }
    expect(attempts.retryAfterMs('10.0.0.7', 11_000)).toBe(50_000);
    expect(attempts.retryAfterMs('10.0.0.8', 11_000)).toBe(0);
    // One more guess once the oldest failure leaves the window, and no more.
    expect(attempts.retryAfterMs('10.0.0.7', 61_000)).toBe(0);
    expect(attempts.fail('10.0.0.7', 61_000)).toBe(10);
    expect(attempts.retryAfterMs('10.0.0.7', 61_000)).toBe(1000);
  });

  it('forgets the least recently seen clients beyond its bound', () => {
    const attempts = new TokenAttempts(1, 60_000, 2);
    attempts.fail('a', 0);
    attempts.fail('b', 0);
    attempts.fail('c', 0);
    expect(attempts.retryAfterMs('a', 1)).toBe(0);
    expect(attempts.retryAfterMs('c', 1)).toBeGreaterThan(0);
  });
});

describe('clientKey', () => {
  it('keys IPv4 (also IPv4-mapped) by address and IPv6 by its /64', () => {
    expect(clientKey('127.0.0.2')).toBe('127.0.0.2');
    expect(clientKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:db8:0:1:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});
