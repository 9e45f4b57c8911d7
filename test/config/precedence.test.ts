import { describe, expect, it } from 'vitest';
import { lockTimeoutSeconds, parseSeconds, waitSeconds } from '../../src/config/precedence';

describe('flag, then environment, then config, then default', () => {
  it('takes the delivery wait from --wait, NODEGRID_WAIT, outbox.waitSeconds or 10 s, in that order', () => {
    expect(waitSeconds('3', { NODEGRID_WAIT: '5' }, 7)).toBe(3);
    expect(waitSeconds(undefined, { NODEGRID_WAIT: '5' }, 7)).toBe(5);
    expect(waitSeconds(undefined, { NODEGRID_WAIT: '' }, 7)).toBe(7);
    expect(waitSeconds(undefined, {}, undefined)).toBe(10);
    // --no-wait wins over everything.
    expect(waitSeconds(false, { NODEGRID_WAIT: '5' }, 7)).toBe(0);
  });

  it('takes the lock timeout from --lock-timeout, NODEGRID_LOCK_TIMEOUT or 30 s', () => {
    expect(lockTimeoutSeconds('1', { NODEGRID_LOCK_TIMEOUT: '2' })).toBe(1);
    expect(lockTimeoutSeconds(undefined, { NODEGRID_LOCK_TIMEOUT: '2' })).toBe(2);
    expect(lockTimeoutSeconds(undefined, {})).toBe(30);
  });

  it('refuses a bad value naming where it came from', () => {
    expect(() => waitSeconds(undefined, { NODEGRID_WAIT: 'soon' }, 7)).toThrow(/NODEGRID_WAIT must be a number of seconds between 0 and 86400, got "soon"/);
    expect(() => lockTimeoutSeconds('-1', {})).toThrow(/--lock-timeout must be/);
    expect(() => parseSeconds('86401', '--wait')).toThrow(/--wait/);
  });
});
