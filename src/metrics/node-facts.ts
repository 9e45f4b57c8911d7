import { parseTss } from '../core/time';
import { VERSION } from '../core/version';
import { readWorkState } from '../heartbeat/work-state';
import { readNodeRecord } from '../node/nodeinfo';
import { existingQueueNames } from '../outbox/queue';
import { readQueueHealth } from '../outbox/status';
import { readLastTick } from './last-tick';
import type { NodeFacts } from './node-metrics';

/**
 * Collects the facts for the textfile from what is already on disk: the
 * nodeinfo folder, the heartbeat's work state and the outbox queues. Cheap
 * enough for every tick: a directory listing and two small reads per sink,
 * never a parse of every queued event.
 */
export interface NodeFactsSources {
  readonly nodeinfoDir: string;
  readonly homeDir: string;
  readonly outboxDir: string;
  /** Configured sinks; queues left by a retired sink are listed too. */
  readonly sinkNames: readonly string[];
  readonly knownStates: readonly string[];
}

export function readNodeFacts(sources: NodeFactsSources): NodeFacts {
  const record = readNodeRecord(sources.nodeinfoDir);
  const names = [...new Set([...sources.sinkNames, ...existingQueueNames(sources.outboxDir)])].sort();
  return {
    identity: record.identity,
    version: VERSION,
    state: record.state,
    stateSince: record.statetss ? parseTss(record.statetss) : undefined,
    knownStates: sources.knownStates,
    lastTick: readLastTick(sources.homeDir),
    consecutiveFailures: readWorkState(sources.homeDir).consecutiveFailures,
    queues: names.map((name) => readQueueHealth(sources.outboxDir, name)),
  };
}
