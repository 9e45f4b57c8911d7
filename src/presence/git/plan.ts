import { nodeLabel, type NodeEvent } from '../../core/event';
import { beatDocument, currentDocumentPath, formatPresenceDocument, heartbeatPath, presenceValueOf } from '../format';
import { flattimeMinute } from '../../core/time';

/**
 * Turns queued events into the commits that carry them, on one branch. Pure.
 *
 * - A state change is one commit of it/presence/all/<id>.json with the document
 *   as of that change, so history shows every state even after an outage.
 * - An announce rewrites the same file with the current document (no commit if unchanged).
 * - Consecutive heartbeats are coalesced into one commit of their flattime files.
 *
 * Only the leading events that go to the same branch are planned; the rest are
 * left for the next deliver() call, so delivery stays in order.
 */
export interface PlannedFile {
  readonly path: string;
  readonly content: string;
}

export interface PlannedCommit {
  readonly files: readonly PlannedFile[];
  readonly message: string;
  /** For a state change: its statelog. The commit is skipped when the remote document already carries it (a redelivery). */
  readonly statelog?: string | undefined;
}

export interface PlannedRun {
  readonly branch: string;
  readonly commits: readonly PlannedCommit[];
  /** Events covered, counted from the front of the batch. */
  readonly events: number;
  /** "<field> of event 12": values left out because they look like secrets. */
  readonly refused: readonly string[];
}

export interface BranchChoice {
  readonly branch: string;
  readonly heartbeatBranch: string;
  /**
   * Beats closer than a minute share a flattime folder, so each beat document
   * also carries "heartbeat": its own time. Minute beats stay byte-identical
   * to the current document, as in the original.
   */
  readonly stampBeats?: boolean | undefined;
}

export function branchFor(event: NodeEvent, branches: BranchChoice): string {
  return event.kind === 'heartbeat' ? branches.heartbeatBranch : branches.branch;
}

export function planRun(events: readonly NodeEvent[], branches: BranchChoice): PlannedRun {
  const first = events[0];
  if (!first) return { branch: branches.branch, commits: [], events: 0, refused: [] };
  const branch = branchFor(first, branches);
  const commits: PlannedCommit[] = [];
  const refused: string[] = [];
  let beats: NodeEvent[] = [];
  const flushBeats = (): void => {
    if (beats.length > 0) commits.push(heartbeatCommit(beats, branches.stampBeats ?? false));
    beats = [];
  };
  let count = 0;
  for (const event of events) {
    if (branchFor(event, branches) !== branch) break;
    count++;
    const { value, refused: secretLike } = presenceValueOf(event);
    refused.push(...secretLike.map((key) => `${key} of event ${event.seq}`));
    const content = formatPresenceDocument(value);
    if (event.kind === 'heartbeat') {
      beats.push(event);
      continue;
    }
    flushBeats();
    const path = currentDocumentPath(event.node.id);
    if (event.kind === 'state') commits.push({ files: [{ path, content }], message: stateMessage(event), statelog: event.statelog });
    else if (event.kind === 'announce') commits.push({ files: [{ path, content }], message: withTrailer(`${nodeLabel(event.node)}: announce ${event.state ?? '(no state yet)'}`, event) });
  }
  flushBeats();
  return { branch, commits, events: count, refused };
}

/** "i-4e7cb59a:fed1/db1: setup -> initdone", the note as the body. */
function stateMessage(event: NodeEvent): string {
  const subject = `${nodeLabel(event.node)}: ${event.from ?? 'none'} -> ${event.state ?? 'none'}`;
  return withTrailer(event.note ? `${subject}\n\n${event.note}` : subject, event);
}

/** "i-4e7cb59a: heartbeat 201510082113"; several beats of an outage in one commit. */
function heartbeatCommit(beats: readonly NodeEvent[], stamp: boolean): PlannedCommit {
  const files = new Map<string, string>();
  const minutes: string[] = [];
  for (const beat of beats) {
    const at = new Date(beat.time);
    files.set(heartbeatPath(beat.node.id, at), beatDocument(beat, stamp));
    minutes.push(flattimeMinute(at));
  }
  const id = beats[0]!.node.id;
  const last = minutes.at(-1)!;
  const subject = beats.length === 1 ? `${id}: heartbeat ${last}` : `${id}: heartbeat ${last} (${beats.length} beats since ${minutes[0]})`;
  return { files: [...files].map(([path, content]) => ({ path, content })), message: subject };
}

/** Which event made a commit, for people reading `git log` and for debugging redeliveries. */
function withTrailer(message: string, event: NodeEvent): string {
  return `${message}\n\nNodegrid-Event: ${event.seq} ${event.id}`;
}
