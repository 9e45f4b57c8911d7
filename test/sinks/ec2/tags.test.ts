import { describe, expect, it } from 'vitest';
import { specStateEvent } from '../../helpers/events';
import { isEc2InstanceId } from '../../../src/core/cloud';
import { fitWithinTagLimit, tagsForEvent } from '../../../src/sinks/ec2/tags';

const event = specStateEvent;

describe('EC2 tags for a state change', () => {
  it('makes the six add: tags, state first', () => {
    const { tags, problems } = tagsForEvent(event(), 'add:');
    expect(problems).toEqual([]);
    expect(tags).toEqual([
      { Key: 'add:state', Value: 'initdone' },
      { Key: 'add:statetss', Value: '20151008-174830' },
      { Key: 'add:deployment', Value: 'fed1' },
      { Key: 'add:nodepart', Value: 'db1' },
      { Key: 'add:stacktype', Value: 'lad1' },
      { Key: 'add:statelog', Value: 'setup:20151008-174646;initdone:20151008-174830;' },
    ]);
  });

  it('keeps only the newest whole statelog entries within 256 characters', () => {
    const entries = Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'running' : 'draining'}:201510${String(10 + (i % 18)).padStart(2, '0')}-1${String(i).padStart(5, '0')};`);
    const statelog = entries.join('');
    expect(statelog.length).toBeGreaterThan(256);
    const value = tagsForEvent(event({ statelog }), 'add:').tags.find((tag) => tag.Key === 'add:statelog')!.Value;
    expect(value.length).toBeLessThanOrEqual(256);
    expect(statelog.endsWith(value)).toBe(true);
    // Whole entries only: the kept text starts where an entry starts, and one more would not fit.
    const kept = value.split(';').filter(Boolean);
    expect(entries.slice(-kept.length).join('')).toBe(value);
    expect(entries.slice(-kept.length - 1).join('').length).toBeGreaterThan(256);
  });

  it('leaves out identity it does not have and refuses keys over 128 characters', () => {
    const { tags } = tagsForEvent(event({ node: { id: 'i-4e7cb59a' } }), 'add:');
    expect(tags.map((tag) => tag.Key)).toEqual(['add:state', 'add:statetss', 'add:statelog']);
    const long = tagsForEvent(event(), `${'p'.repeat(125)}:`);
    expect(long.tags).toEqual([]);
    expect(long.problems[0]).toContain('over 128 characters');
  });

  it('never writes a key with the reserved aws: prefix', () => {
    const { tags, problems } = tagsForEvent(event(), 'AWS:');
    expect(tags).toEqual([]);
    expect(problems).toHaveLength(6);
    expect(problems[0]).toContain('reserved aws: prefix');
  });

  it('fits our tags beside 47 others in priority order, replacing our own keys for free', () => {
    const { tags } = tagsForEvent(event(), 'add:');
    const others = Array.from({ length: 47 }, (_, i) => `team:${i}`);
    const near = fitWithinTagLimit(tags, others);
    expect(near.keep.map((t) => t.Key)).toEqual(['add:state', 'add:statetss', 'add:deployment']);
    expect(near.skipped.map((t) => t.Key)).toEqual(['add:nodepart', 'add:stacktype', 'add:statelog']);
    const replacing = fitWithinTagLimit(tags, [...others.slice(0, 44), ...tags.map((t) => t.Key)]);
    expect(replacing.skipped).toEqual([]);
  });

  it('recognises EC2 instance ids', () => {
    expect(isEc2InstanceId('i-4e7cb59a')).toBe(true);
    expect(isEc2InstanceId('i-0123456789abcdef0')).toBe(true);
    expect(isEc2InstanceId('node1')).toBe(false);
    expect(isEc2InstanceId('i-4E7CB59A')).toBe(false);
  });
});
