import type { Lifecycle } from '../core/lifecycle';
import type { NodeLog } from '../sys/log';
import { deliverPending, type DeliveryPolicy, type SinkReport } from '../outbox/deliver';
import { publishEvents, type EventDraft } from '../outbox/publish';
import type { GridChange } from '../sinks/chat/digest';
import type { SinkDescriptor } from '../sinks/sink';
import { planPages, type PageDraft } from './pages';
import { planPass, type Announcement } from './plan';
import { readMemory, writeMemory, type MonitorLayout } from './memory';
import type { GridNode } from '../grid/view';

/**
 * One pass of the monitor with its side effects, in an order that loses
 * nothing: announcements and the state changes observed (for the grid
 * digests of `via: monitor` destinations) are queued in the monitor's own
 * outbox like any event, then the memory is saved, then the outbox is
 * delivered. The chat sink routes and formats them by its own rules. A kill
 * between queueing and saving announces a transition twice, never zero times.
 * The caller holds the monitor lock.
 */
export interface MonitorEnvironment {
  readonly layout: MonitorLayout;
  /** Chat and paging sinks: where announcements, grid digests and incidents go (through the outbox). */
  readonly sinks: readonly SinkDescriptor[];
  readonly lifecycle: Lifecycle;
  readonly massSilenceRatio: number;
  readonly remindEveryMinutes: number;
  readonly maxPerSink: number;
  readonly policy: DeliveryPolicy;
  readonly log: NodeLog;
  readonly deliveryBudgetMs: number;
  readonly warn: (message: string) => void;
}

export interface PassReport {
  readonly announcements: readonly Announcement[];
  /** Incidents opened and resolved this pass, for paging destinations. */
  readonly pages: readonly PageDraft[];
  /** Per destination that takes grid digests: the changes queued this pass, and whether none of its queue is left undelivered. */
  readonly digests: ReadonlyArray<{ destination: string; changes: number; posted: boolean }>;
  readonly delivery: readonly SinkReport[];
}

export async function runMonitorPass(env: MonitorEnvironment, nodes: readonly GridNode[], now: Date): Promise<PassReport> {
  const previous = readMemory(env.layout.memoryFile, env.warn);
  const plan = planPass(previous, nodes, now, { massSilenceRatio: env.massSilenceRatio, lifecycle: env.lifecycle, remindEveryMinutes: env.remindEveryMinutes });

  // Digests an earlier version kept in its memory join this pass's observations, so an upgrade loses none.
  const waiting = [...(previous?.pendingDigests?.values() ?? [])].flat();
  const observed = [...uniqueChanges(waiting), ...plan.stateChanges].map((change) => observedDraft(change, now));
  const pages = planPages(previous, plan.memory, nodes, now);
  const published = publishEvents(
    {
      outboxDir: env.layout.outboxDir,
      seqFile: env.layout.seqFile,
      sinks: env.sinks,
      maxPerSink: env.maxPerSink,
      onDrop: (sink, file) => env.log.write(`CRITICAL: monitor outbox for ${sink} is over ${env.maxPerSink} events; dropped ${file}`),
    },
    [...plan.announcements.map((a) => announcementDraft(a, now)), ...observed, ...pages.map((page) => pageDraft(page, now))],
  );
  for (const a of plan.announcements) env.log.write(`monitor: ${a.node.id}: ${a.message}${a.note ? ` (${a.note})` : ''}`, now);
  writeMemory(env.layout.memoryFile, plan.memory);

  const delivery = await deliverPending({
    outboxDir: env.layout.outboxDir,
    locksDir: env.layout.locksDir,
    descriptors: env.sinks,
    budgetMs: env.deliveryBudgetMs,
    ignoreBackoff: true,
    policy: env.policy,
    log: env.log,
  });
  const digests = env.sinks.flatMap((sink) => {
    const changes = published.filter((event) => event.kind === 'observed' && sink.accepts(event)).length;
    if (changes === 0) return [];
    const posted = (delivery.find((report) => report.sink === sink.name)?.pending ?? 0) === 0;
    if (!posted) env.log.write(`monitor: digest of ${changes} changes for ${sink.name} not taken; kept in the monitor's outbox for the next pass`);
    return [{ destination: sink.name.replace(/^chat:/, ''), changes, posted }];
  });
  return { announcements: plan.announcements, pages, digests, delivery };
}

/** The same change kept twice in an old memory (once per destination) is queued once: the outbox routes it to each. */
function uniqueChanges(changes: readonly GridChange[]): GridChange[] {
  const seen = new Map<string, GridChange>();
  for (const change of changes) seen.set(`${change.node.id}\0${change.from ?? ''}\0${change.state}`, change);
  return [...seen.values()];
}

/** A state change seen in presence, for the grid digests: chatty, about the node observed. */
function observedDraft(change: GridChange, now: Date): EventDraft {
  return { kind: 'observed', node: change.node, from: change.from, state: change.state, time: now.toISOString(), statetss: null, statelog: '', severity: 'chatty', color: change.color };
}

/** An announcement as an event: a notify about the node, so chat shows "i-…:fed1/db1: alive -> stale (…)". */
function announcementDraft(a: Announcement, now: Date): EventDraft {
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

/** An incident opened or resolved, as an event only paging destinations take. */
function pageDraft(page: PageDraft, now: Date): EventDraft {
  const trigger = page.incident.action === 'trigger';
  return {
    kind: 'page',
    node: page.node,
    from: null,
    state: null,
    time: now.toISOString(),
    statetss: null,
    statelog: '',
    severity: trigger ? 'critical' : 'chatty',
    color: trigger ? 'red' : 'green',
    incident: page.incident,
    ...(page.labels ? { labels: page.labels } : {}),
  };
}
