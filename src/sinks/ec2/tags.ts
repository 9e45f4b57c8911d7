import type { NodeEvent } from '../../core/event';
import { newestEntriesWithin, parseStateLog } from '../../core/statelog';

/**
 * The tags a state change becomes on its instance, within EC2's documented
 * limits: keys up to 128 characters, values up to 256, at most 50 tags per
 * resource, and no key starting with the reserved "aws:" prefix.
 */
export const EC2_TAG_LIMITS = { keyLength: 128, valueLength: 256, perResource: 50 } as const;

export interface Ec2Tag {
  readonly Key: string;
  readonly Value: string;
}

/** In priority order: when the instance is near the 50-tag limit the first ones are kept. */
const TAG_NAMES = ['state', 'statetss', 'deployment', 'nodepart', 'stacktype', 'statelog'] as const;
export type TagName = (typeof TAG_NAMES)[number];

export function tagValuesForEvent(event: NodeEvent): Partial<Record<TagName, string | undefined>> {
  const { entries } = parseStateLog(event.statelog);
  return {
    state: event.state ?? undefined,
    statetss: event.statetss ?? undefined,
    deployment: event.node.deployment,
    nodepart: event.node.nodepart,
    stacktype: event.node.stacktype,
    // A cut entry would be a lie ("setup:2015100"); the newest whole ones tell the recent story.
    statelog: entries.length > 0 ? newestEntriesWithin(entries, EC2_TAG_LIMITS.valueLength) : undefined,
  };
}

/**
 * The prefixed tags for an event, in priority order. A value that is missing
 * (no deployment yet) is left out rather than written empty, and a key or value
 * over EC2's limits is reported instead of being sent to fail the whole call.
 */
export function tagsForEvent(event: NodeEvent, prefix: string): { tags: Ec2Tag[]; problems: string[] } {
  const values = tagValuesForEvent(event);
  const tags: Ec2Tag[] = [];
  const problems: string[] = [];
  for (const name of TAG_NAMES) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    const key = `${prefix}${name}`;
    if (key.toLowerCase().startsWith('aws:')) problems.push(`tag key ${key} uses the reserved aws: prefix`);
    else if (key.length > EC2_TAG_LIMITS.keyLength) problems.push(`tag key ${key.slice(0, 40)}… is over ${EC2_TAG_LIMITS.keyLength} characters`);
    else if (value.length > EC2_TAG_LIMITS.valueLength) problems.push(`tag ${key} value is over ${EC2_TAG_LIMITS.valueLength} characters`);
    else tags.push({ Key: key, Value: value });
  }
  return { tags, problems };
}

/**
 * Which of our tags fit beside the instance's other tags under the 50-tag limit.
 * Our own keys already on the instance are replaced, not added, so they cost nothing.
 */
export function fitWithinTagLimit(ours: readonly Ec2Tag[], existingKeys: readonly string[], limit: number = EC2_TAG_LIMITS.perResource): { keep: Ec2Tag[]; skipped: Ec2Tag[] } {
  const existing = new Set(existingKeys);
  const keep: Ec2Tag[] = [];
  const skipped: Ec2Tag[] = [];
  let count = existing.size;
  for (const tag of ours) {
    if (existing.has(tag.Key)) keep.push(tag);
    else if (count < limit) {
      keep.push(tag);
      count++;
    } else skipped.push(tag);
  }
  return { keep, skipped };
}

