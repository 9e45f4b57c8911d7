import path from 'node:path';
import { parseTss } from '../core/time';
import { VERSION } from '../core/version';
import { readWorkState } from '../heartbeat/work-state';
import { readTextIfExists } from '../node/files';
import { readNodeRecord } from '../node/nodeinfo';
import { existingQueueNames, SinkQueue } from '../outbox/queue';
import { readLastTick } from './last-tick';
import type { NodeFacts, QueueFacts } from './node-metrics';

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
    queues: names.map((name) => queueFacts(new SinkQueue(sources.outboxDir, name), name)),
  };
}

function queueFacts(queue: SinkQueue, sink: string): QueueFacts {
  const files = queue.pendingFiles();
  const status = queue.readStatus();
  return {
    sink,
    pending: files.length,
    oldest: files[0] === undefined ? undefined : eventTime(path.join(queue.dir, files[0])),
    failuresTotal: status.failuresTotal,
    deliveredTotal: status.deliveredTotal,
    givenUp: queue.failedFiles().length,
  };
}

/**
 * Read directly, not through SinkQueue.peek: peek moves an unreadable event
 * aside, and writing metrics must never change the outbox. A file delivered
 * (removed) since the listing simply has no age this time.
 */
function eventTime(file: string): Date | undefined {
  try {
    const time = (JSON.parse(readTextIfExists(file) ?? 'null') as { time?: unknown } | null)?.time;
    const date = typeof time === 'string' ? new Date(time) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : undefined;
  } catch {
    return undefined;
  }
}
