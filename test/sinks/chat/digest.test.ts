import { describe, expect, it } from 'vitest';
import { formatGridDigest, nodeDigestMessage, planPosts } from '../../../src/sinks/chat/digest';
import { stateEvent } from './events';

describe('planPosts: no floods, and a room’s last word about a node is its latest state', () => {
  it('posts a single chatty event as itself', () => {
    const event = stateEvent('setup', 'initdone');
    const posts = planPosts([event]);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.message).toMatchObject({ kind: 'event', title: 'i-5e7ab38a:fed1/app1: setup -> initdone' });
  });

  it('folds the chatty events that waited before a critical one into its post: the alarm headlines, the lines end with it', () => {
    const waited = [stateEvent(null, 'setup'), stateEvent('setup', 'initdone'), stateEvent('initdone', 'running'), stateEvent('running', 'running', { kind: 'notify', message: 'deploy done' })];
    const wedged = stateEvent('running', 'wedged', { note: 'work.sh failed 3 times' });
    const posts = planPosts([...waited, wedged]);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.eventIds).toEqual([...waited, wedged].map((e) => e.id));
    expect(posts[0]!.message).toMatchObject({ kind: 'digest', severity: 'critical', color: 'red', time: wedged.time });
    expect(posts[0]!.message.title).toBe('i-5e7ab38a:fed1/app1: running -> wedged (work.sh failed 3 times)');
    expect(posts[0]!.message.events.map((e) => e.seq)).toEqual([...waited, wedged].map((e) => e.seq));
    expect(posts[0]!.message.lines.slice(0, 5).map((line) => line.slice(9))).toEqual(['none -> setup', 'setup -> initdone', 'initdone -> running', 'deploy done', 'running -> wedged (work.sh failed 3 times)']);
    expect(posts[0]!.message.lines[5]).toBe('state wedged · critical · 2015-10-08 17:48:' + wedged.time.slice(17, 19) + ' UTC · with the 4 changes before it');
    expect(JSON.stringify(posts)).not.toContain('now running');
  });

  it('posts what came after the last critical event last, as a digest whose "now" is the latest state', () => {
    const before = stateEvent('running', 'draining');
    const wedged = stateEvent('draining', 'wedged');
    const after = [stateEvent('wedged', 'setup'), stateEvent('setup', 'initdone')];
    const posts = planPosts([before, wedged, ...after]);
    expect(posts.map((p) => p.eventIds)).toEqual([[before.id, wedged.id], after.map((e) => e.id)]);
    expect(posts[1]!.message.title).toBe('i-5e7ab38a:fed1/app1: 2 changes, now initdone');
    expect(posts.flatMap((p) => p.message.events.map((e) => e.seq))).toEqual([before, wedged, ...after].map((e) => e.seq));
  });

  it('keeps 20 waiting chatty events and a critical one in sequence order: the ones before it in its post, the rest in a digest after it', () => {
    const chatty = Array.from({ length: 20 }, (_, i) => stateEvent(i % 2 ? 'running' : 'draining', i % 2 ? 'draining' : 'running'));
    const wedged = stateEvent('draining', 'wedged', { note: 'work.sh failed 3 times' });
    const posts = planPosts([...chatty.slice(0, 16), wedged, ...chatty.slice(16)]);
    expect(posts).toHaveLength(2);
    expect(posts[0]!.eventIds).toEqual([...chatty.slice(0, 16), wedged].map((e) => e.id));
    expect(posts[0]!.message.lines).toHaveLength(5 + 1 + 10 + 1);
    expect(posts[0]!.message.lines[5]).toBe('… 2 more changes …');
    expect(posts[0]!.message.lines[15]).toContain('draining -> wedged');
    expect(posts[1]!.eventIds).toEqual(chatty.slice(16).map((e) => e.id));
    expect(posts[1]!.message).toMatchObject({ kind: 'digest', severity: 'chatty' });
    expect(posts[1]!.message.title).toBe(`i-5e7ab38a:fed1/app1: 4 changes, now ${chatty[19]!.state}`);
  });

  it("posts the monitor's observations as one grid digest, after the announcements, at the time of the last", () => {
    const observed = ['i-1', 'i-2', 'i-3'].map((id) => stateEvent('setup', 'initdone', { kind: 'observed', node: { id, deployment: 'fed1', nodepart: 'app1' } }));
    const stale = stateEvent('running', 'running', { kind: 'notify', message: 'alive -> stale (last heartbeat 4 min ago)', severity: 'critical', color: 'red' });
    const posts = planPosts([observed[0]!, stale, ...observed.slice(1)]);
    expect(posts.map((p) => p.message.kind)).toEqual(['event', 'grid-digest']);
    expect(posts[1]!.eventIds).toEqual(observed.map((e) => e.id));
    expect(posts[1]!.message.title).toBe('3 nodes of fed1/app1: setup -> initdone: i-1, i-2, i-3');
    expect(posts[1]!.message.time).toBe(observed[2]!.time);
  });

  it('never folds two critical events together', () => {
    const posts = planPosts([stateEvent('running', 'wedged'), stateEvent('setup', 'wedged')]);
    expect(posts.map((p) => p.eventIds.length)).toEqual([1, 1]);
  });

  it("folds only a node's own chatty events into its alarm, and claims no state for news of several nodes (the monitor's queue)", () => {
    const node = (id: string) => ({ id, deployment: 'fed1', nodepart: 'db1' });
    const aBack = stateEvent('stale', 'alive', { kind: 'notify', node: node('i-a'), message: 'stale -> alive' });
    const bBack = stateEvent('stale', 'alive', { kind: 'notify', node: node('i-b'), message: 'stale -> alive' });
    const bStale = stateEvent('alive', 'stale', { kind: 'notify', node: node('i-b'), message: 'alive -> stale', severity: 'critical', color: 'red' });
    const cBack = stateEvent('stale', 'alive', { kind: 'notify', node: node('i-c'), message: 'stale -> alive' });
    const posts = planPosts([aBack, bBack, bStale, cBack]);
    expect(posts.map((p) => p.eventIds)).toEqual([
      [bBack.id, bStale.id],
      [aBack.id, cBack.id],
    ]);
    expect(posts[0]!.message.title).toBe('i-b:fed1/db1: alive -> stale');
    expect(posts[1]!.message.title).toBe('2 changes of 2 nodes');
    expect(posts[1]!.message.lines.slice(0, 2).map((line) => line.slice(9))).toEqual(['i-a:fed1/db1: stale -> alive', 'i-c:fed1/db1: stale -> alive']);
  });
});

describe('nodeDigestMessage', () => {
  it('says how many changes and where the node is now, listing the first and last ones', () => {
    const events = Array.from({ length: 20 }, (_, i) => stateEvent('running', 'draining', { note: `n${i}` }));
    const digest = nodeDigestMessage(events);
    expect(digest.title).toBe('i-5e7ab38a:fed1/app1: 20 changes, now draining');
    expect(digest.lines).toHaveLength(5 + 1 + 10 + 1);
    expect(digest.lines[0]).toMatch(/^\d\d:\d\d:\d\d running -> draining \(n0\)$/);
    expect(digest.lines[5]).toBe('… 5 more changes …');
    expect(digest.lines[15]).toContain('(n19)');
    expect(digest.events).toHaveLength(20);
  });
});

describe('formatGridDigest (called by the monitor once per pass)', () => {
  const node = (id: string, nodepart = 'app1') => ({ id, deployment: 'fed1', nodepart });

  it('turns twelve launches into one line naming the nodes', () => {
    const changes = Array.from({ length: 12 }, (_, i) => ({ node: node(`i-${String(i).padStart(2, '0')}`), from: 'setup', state: 'initdone', color: 'green' as const }));
    const digest = formatGridDigest(changes)!;
    expect(digest.title).toBe('12 nodes of fed1/app1: setup -> initdone: i-00, i-01, i-02, i-03, i-04, i-05, i-06, i-07, … 4 more');
    expect(digest).toMatchObject({ kind: 'grid-digest', color: 'green', severity: 'chatty' });
  });

  it('groups by deployment, part and transition, biggest group first; a lone node keeps its own label', () => {
    const digest = formatGridDigest([
      { node: node('i-1', 'db1'), from: 'setup', state: 'initdone', color: 'green' },
      { node: node('i-2'), from: null, state: 'setup', color: 'yellow' },
      { node: node('i-3'), from: null, state: 'setup', color: 'yellow' },
    ])!;
    expect(digest.title).toBe('3 nodes changed state');
    expect(digest.lines.slice(0, 2)).toEqual(['2 nodes of fed1/app1: none -> setup: i-2, i-3', 'i-1:fed1/db1: setup -> initdone']);
    expect(digest.color).toBe('yellow');
  });

  it('says nothing when nothing changed', () => {
    expect(formatGridDigest([])).toBeUndefined();
  });
});
