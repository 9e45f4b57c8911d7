import type { ChatDestinationConfig } from '../config/schema';
import type { Lifecycle } from '../core/lifecycle';
import type { NodeLog } from '../sys/log';
import { deliverPending, type DeliveryPolicy, type SinkReport } from '../outbox/deliver';
import { publishEvents, type EventDraft } from '../outbox/publish';
import type { GridChange } from '../sinks/chat/digest';
import { matchesRoute } from '../sinks/chat/destination';
import type { SinkDescriptor } from '../sinks/sink';
import { planPass, type Announcement } from './plan';
import { readMemory, writeMemory, type MonitorLayout, type StoredMemory } from './memory';
import type { GridNode } from '../grid/view';

/**
 * One pass of the monitor with its side effects, in an order that loses
 * nothing: announcements are queued in the monitor's own outbox, then the
 * memory is saved, then digests are posted and the outbox delivered. A kill
 * between queueing and saving announces a transition twice, never zero times.
 * The caller holds the monitor lock.
 */
export interface MonitorEnvironment {
  readonly layout: MonitorLayout;
  /** Chat sinks: where announcements go (through the outbox). */
  readonly sinks: readonly SinkDescriptor[];
  /** `via: monitor` destinations: where grid-wide digests go. */
  readonly digestDestinations: readonly ChatDestinationConfig[];
  readonly lifecycle: Lifecycle;
  readonly massSilenceRatio: number;
  readonly maxPerSink: number;
  readonly policy: DeliveryPolicy;
  readonly log: NodeLog;
  readonly deliveryBudgetMs: number;
  readonly warn: (message: string) => void;
  /** Posts one digest; true when the destination took it. */
  readonly postDigest: (destination: ChatDestinationConfig, changes: readonly GridChange[], now: Date) => Promise<boolean>;
}

export interface PassReport {
  readonly announcements: readonly Announcement[];
  readonly digests: ReadonlyArray<{ destination: string; changes: number; posted: boolean }>;
  readonly delivery: readonly SinkReport[];
}

/** A digest waiting for a destination is capped: an outage of days should not become a message of thousands of lines. */
const MAX_PENDING_CHANGES = 2000;

export async function runMonitorPass(env: MonitorEnvironment, nodes: readonly GridNode[], now: Date): Promise<PassReport> {
  const previous = readMemory(env.layout.memoryFile, env.warn);
  const plan = planPass(previous, nodes, now, { massSilenceRatio: env.massSilenceRatio, lifecycle: env.lifecycle });

  publishEvents(
    {
      outboxDir: env.layout.outboxDir,
      seqFile: env.layout.seqFile,
      sinks: env.sinks,
      maxPerSink: env.maxPerSink,
      onDrop: (sink, file) => env.log.write(`CRITICAL: monitor outbox for ${sink} is over ${env.maxPerSink} events; dropped ${file}`),
    },
    plan.announcements.map((a) => toDraft(a, now)),
  );
  for (const a of plan.announcements) env.log.write(`monitor: ${a.node.id}: ${a.message}${a.note ? ` (${a.note})` : ''}`, now);

  const pending = new Map<string, readonly GridChange[]>();
  for (const destination of env.digestDestinations) {
    const waiting = previous?.pendingDigests?.get(destination.name) ?? [];
    const fresh = plan.stateChanges.filter((change) => wantsChange(destination, change));
    pending.set(destination.name, [...waiting, ...fresh].slice(-MAX_PENDING_CHANGES));
  }
  const memory: StoredMemory = { ...plan.memory, pendingDigests: pending };
  writeMemory(env.layout.memoryFile, memory);

  const digests: Array<{ destination: string; changes: number; posted: boolean }> = [];
  for (const destination of env.digestDestinations) {
    const changes = pending.get(destination.name) ?? [];
    if (changes.length === 0) continue;
    const posted = await env.postDigest(destination, changes, now).catch(() => false);
    digests.push({ destination: destination.name, changes: changes.length, posted });
    if (posted) pending.set(destination.name, []);
    else env.log.write(`monitor: digest of ${changes.length} changes for chat:${destination.name} not taken; kept for the next pass`);
  }
  if (digests.some((d) => d.posted)) writeMemory(env.layout.memoryFile, { ...memory, pendingDigests: pending });

  const delivery = await deliverPending({
    outboxDir: env.layout.outboxDir,
    locksDir: env.layout.locksDir,
    descriptors: env.sinks,
    budgetMs: env.deliveryBudgetMs,
    ignoreBackoff: true,
    policy: env.policy,
    log: env.log,
  });
  return { announcements: plan.announcements, digests, delivery };
}

/** A grid digest is chatty, and routed by the chat sink's own rule (severity, state and deployment filters). */
function wantsChange(destination: ChatDestinationConfig, change: GridChange): boolean {
  return matchesRoute(destination, { severity: 'chatty', state: change.state, deployment: change.node.deployment });
}

/** An announcement as an event: a notify about the node, so chat shows "i-…:fed1/db1: alive -> stale (…)". */
function toDraft(a: Announcement, now: Date): EventDraft {
  return {
    kind: 'notify',
    node: a.node,
    from: a.state,
    state: a.state,
    time: now.toISOString(),
    statetss: a.statetss,
    statelog: '',
    severity: a.severity,
    color: a.color,
    message: a.message,
    ...(a.note ? { note: a.note } : {}),
  };
}
