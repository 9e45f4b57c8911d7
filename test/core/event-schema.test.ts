import { describe, expect, it } from 'vitest';
import { nodeEventSchema } from '../../src/core/event-schema';
import { parseJsonWith } from '../../src/core/parse-json';
import { specStateEvent } from '../helpers/events';

const parse = (text: string) => parseJsonWith(nodeEventSchema, text);

describe('an event read back from disk', () => {
  it('reads back every kind of event exactly as it was written', () => {
    const events = [
      specStateEvent(),
      specStateEvent({ kind: 'heartbeat', from: null, seq: 3, note: undefined }),
      specStateEvent({ kind: 'notify', message: 'disk 91% full', note: 'from cron', fields: { hostname: 'db1.example' } }),
      specStateEvent({ kind: 'announce', from: null, state: null, statetss: null, statelog: '', node: { id: 'i-1' } }),
    ];
    for (const event of events) expect(parse(JSON.stringify(event))).toEqual({ ok: true, value: JSON.parse(JSON.stringify(event)) });
  });

  it('refuses a damaged file with the key that is wrong', () => {
    const damaged = (change: Record<string, unknown>): string => {
      const parsed = parse(JSON.stringify({ ...specStateEvent(), ...change }));
      return parsed.ok ? 'accepted' : parsed.problem;
    };
    expect(damaged({ seq: '2' })).toBe('does not match its format: "seq": expected number, not a string');
    expect(damaged({ seq: 0 })).toMatch(/^does not match its format: "seq": /);
    expect(damaged({ color: 'toString' })).toBe('does not match its format: "color": expected "green" or "yellow" or "red" or "purple" or "gray"');
    expect(damaged({ node: { id: '../x' } })).toBe('does not match its format: "node"."id": not a valid instance id');
    expect(damaged({ time: 'yesterday' })).toBe('does not match its format: "time": not a time');
    expect(damaged({ kind: undefined })).toMatch(/"kind": /);
    expect(parse('{"seq": 1').ok).toBe(false);
    expect(parse('null').ok).toBe(false);
  });
});
