import { describe, expect, it } from 'vitest';
import type { Health } from '../../src/core/health';
import { DEFAULT_LIFECYCLE } from '../../src/core/lifecycle';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planPass, type MonitorMemory } from '../../src/monitor/plan';
import { readMemory, writeMemory } from '../../src/monitor/memory';
import type { PresenceRecord } from '../../src/presence/read';
import type { GridNode } from '../../src/grid/view';

const now = new Date('2015-10-08T21:13:30Z');
const options = { massSilenceRatio: 0.25, lifecycle: DEFAULT_LIFECYCLE };

function grid(healths: Health[], state = 'running'): GridNode[] {
  return healths.map((health, i) => ({
    id: `i-${i}`,
    deployment: 'fed1',
    nodepart: 'db1',
    stacktype: 'lad1',
    state,
    statetss: '20151008-200000',
    heartbeat: health === 'stale' ? '2015-10-08T21:00:00.000Z' : '2015-10-08T21:13:00.000Z',
    health,
    note: null,
    record: {} as PresenceRecord,
  }));
}

const messages = (memory: MonitorMemory | undefined, nodes: GridNode[]) => planPass(memory, nodes, now, options);

describe('planPass', () => {
  it('announces problems already present on the first pass, but not healthy nodes or state changes', () => {
    const plan = messages(undefined, grid(['alive', 'stale', 'zombie', 'retired']));
    expect(plan.announcements.map((a) => `${a.node.id} ${a.message} ${a.severity}`)).toEqual(['i-1 unseen -> stale critical', 'i-2 unseen -> zombie critical']);
    expect(plan.stateChanges).toEqual([]);
  });

  it('announces nothing for a new node or its first beat, and a critical alarm when that beat never comes', () => {
    const unseen = messages(undefined, grid(['new', 'new']));
    expect(unseen.announcements).toEqual([]);
    const next = messages(unseen.memory, grid(['alive', 'stale']));
    expect(next.announcements.map((a) => `${a.node.id} ${a.message} ${a.severity}`)).toEqual(['i-1 new -> stale critical']);
  });

  it('tells the reason in human times: how long in the state and since when, no beat yet, the date when not today', () => {
    const [alive, stale, zombie, wedged] = grid(['alive', 'stale', 'zombie', 'wedged']);
    const silent = { ...stale!, heartbeat: null };
    const old = { ...zombie!, id: 'i-old', state: 'presetup', statetss: '20151006-174830' };
    const plan = messages(undefined, [alive!, stale!, { ...zombie!, state: 'presetup' }, { ...wedged!, state: 'wedged' }, { ...silent, id: 'i-silent' }, old]);
    expect(plan.announcements.map((a) => `${a.node.id}: ${a.note}`)).toEqual([
      'i-1: last heartbeat 13 min ago',
      'i-2: presetup for 1 h 13 min (since 20:00:00 UTC)',
      'i-3: wedged for 1 h 13 min (since 20:00:00 UTC)',
      'i-silent: no beat yet; running for 1 h 13 min (since 20:00:00 UTC)',
      'i-old: presetup for 2 d 3 h (since 2015-10-06 17:48:30 UTC)',
    ]);
  });

  it('holds back individual alarms during a mass silence and announces whoever is still silent once it lifts', () => {
    const first = messages(undefined, grid(Array(8).fill('alive'))).memory;
    const silent = messages(first, grid(Array(8).fill('stale')));
    expect(silent.announcements.map((a) => a.to)).toEqual(['mass-silence']);
    expect([...silent.memory.nodes.values()].every((n) => n.health === 'alive')).toBe(true);

    const still = messages(silent.memory, grid(Array(8).fill('stale')));
    expect(still.announcements).toEqual([]);

    // 7 of 8 beat again: 1/8 is within the ratio, so the silence is over and the one left is named.
    const lifted = messages(still.memory, grid(['stale', ...Array(7).fill('alive')]));
    expect(lifted.announcements.map((a) => `${a.node.id} ${a.to} ${a.severity}`)).toEqual(['grid mass-silence-over chatty', 'i-0 stale critical']);
    expect(lifted.memory.massSilence).toBeUndefined();
  });

  it('announces a small share of silent nodes one by one: two nodes of four are not an observer fault', () => {
    const first = messages(undefined, grid(['alive', 'alive', 'alive', 'alive'])).memory;
    const plan = messages(first, grid(['stale', 'stale', 'alive', 'alive']));
    expect(plan.announcements.map((a) => a.to)).toEqual(['stale', 'stale']);
  });

  it('collects chatty state changes for the digest and leaves critical ones to the nodes', () => {
    const first = messages(undefined, grid(['alive', 'alive'], 'setup')).memory;
    const plan = messages(first, [...grid(['alive'], 'initdone'), ...grid(['alive', 'alive'], 'wedged').slice(1)]);
    expect(plan.stateChanges.map((c) => `${c.node.id} ${c.from} -> ${c.state}`)).toEqual(['i-0 setup -> initdone']);
  });

  it('reminds of every node still troubled once per remindEveryMinutes, counted from when the trouble was first seen, and stops when it is over', () => {
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const remind = { ...options, remindEveryMinutes: 240 };
    const pass = (memory: MonitorMemory | undefined, nodes: GridNode[], minutes: number) => planPass(memory, nodes, at(minutes), remind);
    const troubled = grid(['alive', 'stale', 'wedged']);
    const first = pass(undefined, troubled, 0);
    expect(first.announcements.map((a) => a.to)).toEqual(['stale', 'wedged']);
    expect(first.memory.remindedAt).toBe(at(0).toISOString());
    // Through memory files, as monitor --once from cron keeps it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-memory-'));
    try {
      writeMemory(path.join(dir, 'memory.json'), first.memory);
      const kept = readMemory(path.join(dir, 'memory.json'), (message) => expect.unreachable(message));
      expect(pass(kept, troubled, 239).announcements).toEqual([]);
      const reminder = pass(kept, troubled, 240);
      expect(reminder.announcements).toHaveLength(1);
      expect(reminder.announcements[0]).toMatchObject({ to: 'reminder', severity: 'critical', message: 'still troubled: 1 wedged, 1 stale' });
      expect(reminder.announcements[0]!.note).toBe('i-1 stale (last heartbeat 4 h 13 min ago); i-2 wedged (running for 5 h 13 min (since 2015-10-08 20:00:00 UTC))');
      // The next one a whole period later, not at every pass; none once nothing is troubled, and the clock starts again.
      expect(pass(reminder.memory, troubled, 479).announcements).toEqual([]);
      expect(pass(reminder.memory, troubled, 480).announcements.map((a) => a.to)).toEqual(['reminder']);
      const over = pass(reminder.memory, grid(['alive', 'alive', 'alive']), 300);
      expect(over.memory.remindedAt).toBeUndefined();
      expect(pass(over.memory, troubled, 301).memory.remindedAt).toBe(at(301).toISOString());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // 0 never reminds; more than ten nodes are counted, not listed.
    expect(planPass(first.memory, troubled, at(10_000), options).announcements).toEqual([]);
    const many = grid(Array(12).fill('stale'));
    const long = planPass({ ...first.memory, nodes: new Map(many.map((n) => [n.id, { health: 'stale', state: 'running' }])) }, many, at(240), remind);
    expect(long.announcements[0]!.note).toMatch(/; and 2 more \(nodegrid nodes --health stale,zombie,stuck,wedged\)$/);
  });

  it('remembers nodes whose ids are Object.prototype member names across passes and memory files', () => {
    const ids = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
    const named = (healths: Health[]): GridNode[] => grid(healths).map((node, i) => ({ ...node, id: ids[i]! }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-memory-'));
    try {
      const file = path.join(dir, 'memory.json');
      const first = messages(undefined, named(['alive', 'alive', 'stale', 'zombie', 'alive']));
      expect(first.announcements.map((a) => `${a.node.id} ${a.message}`)).toEqual(['__proto__ unseen -> stale', 'hasOwnProperty unseen -> zombie']);
      writeMemory(file, first.memory);
      const remembered = readMemory(file, (message) => expect.unreachable(message));
      expect([...remembered!.nodes.keys()]).toEqual(ids);
      // Nothing changed: nothing is announced again, and no prototype member is mistaken for a node seen before.
      expect(messages(remembered, named(['alive', 'alive', 'stale', 'zombie', 'alive'])).announcements).toEqual([]);
      expect(messages(remembered, named(['stale', 'alive', 'alive', 'zombie', 'alive'])).announcements.map((a) => `${a.node.id} ${a.message}`)).toEqual(['toString alive -> stale', '__proto__ stale -> alive']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets aside a memory file that is not one, says so, and starts afresh', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-memory-'));
    try {
      const file = path.join(dir, 'memory.json');
      fs.writeFileSync(file, JSON.stringify({ passAt: '2015-10-08T21:13:30Z', nodes: { 'i-1': { health: 'toString', state: null } } }));
      const warnings: string[] = [];
      expect(readMemory(file, (message) => warnings.push(message))).toBeUndefined();
      expect(warnings).toEqual([expect.stringMatching(/^the monitor's memory .*memory\.json: does not match its format: "nodes"/)]);
      expect(fs.readdirSync(dir)).toEqual([expect.stringMatching(/^memory\.json\.corrupt-\d+$/)]);
      // A memory file of the earlier shape (nodes as an object) is still read.
      fs.writeFileSync(file, JSON.stringify({ passAt: '2015-10-08T21:13:30Z', nodes: { 'i-1': { health: 'alive', state: 'running' } } }));
      expect(readMemory(file, (message) => expect.unreachable(message))?.nodes.get('i-1')).toEqual({ health: 'alive', state: 'running' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('planPass with silences', () => {
  const silenced = { id: '20151008T210000Z-3fa9c1', until: '2015-10-08T23:00:00Z', by: 'alice@ops', note: 'kernel upgrade' };
  it('says nothing about a silenced node, not even in reminders, and once, critically, when its silence is over and it is still in trouble', () => {
    const first = messages(undefined, grid(['alive', 'alive']));
    const quiet = grid(['stale', 'alive']).map((node, i) => (i === 0 ? { ...node, silenced } : node));
    const during = planPass(first.memory, quiet, now, { ...options, remindEveryMinutes: 1 });
    expect(during.announcements).toEqual([]);
    expect(during.memory.silences).toEqual([{ id: silenced.id, by: 'alice@ops', note: 'kernel upgrade', nodes: ['i-0'] }]);
    const later = planPass(during.memory, quiet, new Date(now.getTime() + 10 * 60_000), { ...options, remindEveryMinutes: 1 });
    expect(later.announcements).toEqual([]);

    const over = planPass(later.memory, grid(['stale', 'alive']), new Date(now.getTime() + 11 * 60_000), { ...options, remindEveryMinutes: 1 });
    expect(over.announcements.map((a) => [a.message, a.severity, a.note])).toEqual([[`silence ${silenced.id} by alice@ops (kernel upgrade) is over: 1 node, 1 in trouble`, 'critical', expect.stringMatching(/^i-0 stale \(last heartbeat/)]]);
    expect(over.memory.silences).toBeUndefined();
    expect(planPass(over.memory, grid(['stale', 'alive']), new Date(now.getTime() + 11 * 60_000), options).announcements).toEqual([]);
  });

  it('ends a silence over healthy nodes with one chatty line', () => {
    const during = messages(undefined, grid(['alive']).map((node) => ({ ...node, silenced })));
    const over = messages(during.memory, grid(['alive']));
    expect(over.announcements.map((a) => [a.message, a.severity])).toEqual([[`silence ${silenced.id} by alice@ops (kernel upgrade) is over: 1 node, none in trouble`, 'chatty']]);
  });
});
