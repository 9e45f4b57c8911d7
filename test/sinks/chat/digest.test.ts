import { describe, expect, it } from 'vitest';
import { formatGridDigest, nodeDigestMessage, planPosts } from '../../../src/sinks/chat/digest';
import { stateEvent } from './events';

describe('planPosts: no floods, critical first', () => {
  it('posts a single chatty event as itself', () => {
    const event = stateEvent('setup', 'initdone');
    const posts = planPosts([event]);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.message).toMatchObject({ kind: 'event', title: 'i-5e7ab38a:fed1/app1: setup -> initdone' });
  });

  it('folds 20 waiting chatty events into one digest and sends a critical one on its own, ahead of it', () => {
    const chatty = Array.from({ length: 20 }, (_, i) => stateEvent(i % 2 ? 'running' : 'draining', i % 2 ? 'draining' : 'running'));
    const wedged = stateEvent('draining', 'wedged', { note: 'work.sh failed 3 times' });
    const posts = planPosts([...chatty.slice(0, 12), wedged, ...chatty.slice(12)]);
    expect(posts).toHaveLength(2);
    expect(posts[0]!.eventIds).toEqual([wedged.id]);
    expect(posts[0]!.message).toMatchObject({ kind: 'event', severity: 'critical', color: 'red' });
    expect(posts[0]!.message.title).toBe('i-5e7ab38a:fed1/app1: draining -> wedged (work.sh failed 3 times)');
    expect(posts[1]!.eventIds).toEqual(chatty.map((e) => e.id));
    expect(posts[1]!.message.kind).toBe('digest');
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
