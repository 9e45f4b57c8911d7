import { describe, expect, it } from 'vitest';
import type { ApiNode, Health } from '../../src/web/api';
import { arrange, matches } from '../../src/web/page/model';

const node = (id: string, deployment: string | null, nodepart: string, health: Health, fields?: Record<string, string>): ApiNode => ({
  id,
  deployment,
  nodepart,
  stacktype: 'lad1',
  state: health === 'wedged' ? 'wedged' : 'running',
  statetss: '20151008-180000',
  heartbeat: null,
  health,
  note: null,
  initgitrepo: null,
  ...(fields ? { fields } : {}),
});
const ANY = { text: '', deployment: '', nodepart: '', stacktype: '', health: '' };
const BY_HEALTH = { key: 'health' as const, descending: false };

describe('what the table shows', () => {
  it('groups by deployment and nodepart, troubled groups and troubled nodes first', () => {
    const nodes = [node('i-a1', 'fed1', 'app1', 'alive'), node('i-a2', 'fed1', 'app1', 'retired'), node('i-d1', 'fed2', 'db1', 'alive'), node('i-d2', 'fed2', 'db1', 'stale'), node('i-b1', 'fed1', 'db1', 'alive')];
    const groups = arrange(nodes, ANY, BY_HEALTH);
    expect(groups.map((g) => `${g.deployment}/${g.nodepart}: ${g.nodes.map((n) => n.id).join(' ')}`)).toEqual(['fed2/db1: i-d2 i-d1', 'fed1/app1: i-a1 i-a2', 'fed1/db1: i-b1']);
  });

  it('sorts by a column, both ways, within each group', () => {
    const nodes = [node('i-2', 'fed1', 'db1', 'alive'), node('i-1', 'fed1', 'db1', 'alive'), node('i-3', 'fed1', 'db1', 'alive')];
    expect(arrange(nodes, ANY, { key: 'id', descending: false })[0]!.nodes.map((n) => n.id)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(arrange(nodes, ANY, { key: 'id', descending: true })[0]!.nodes.map((n) => n.id)).toEqual(['i-3', 'i-2', 'i-1']);
  });

  it('filters by text in ids, switches and fields, and by deployment, nodepart and health', () => {
    const a = node('i-a', 'fed1', 'db1', 'alive', { hostname: 'Web-07' });
    const b = node('i-b', null, 'app1', 'wedged');
    expect(matches(a, { ...ANY, text: 'web-07' })).toBe(true);
    expect(matches(b, { ...ANY, text: 'web-07' })).toBe(false);
    expect(matches(b, { ...ANY, deployment: '?' })).toBe(true);
    expect(matches(a, { ...ANY, nodepart: 'app1' })).toBe(false);
    expect(matches(b, { ...ANY, health: 'wedged' })).toBe(true);
    expect(matches(a, { ...ANY, stacktype: 'lad1' })).toBe(true);
    expect(matches(a, { ...ANY, stacktype: 'lad2' })).toBe(false);
  });

  it('finds a node by the words of its note', () => {
    const noted = { ...node('i-n', 'fed1', 'db1', 'wedged'), note: 'Disk full on /var' };
    expect(matches(noted, { ...ANY, text: 'disk full' })).toBe(true);
    expect(matches(node('i-m', 'fed1', 'db1', 'wedged'), { ...ANY, text: 'disk full' })).toBe(false);
  });
});
