import { flattimeMinute } from '../../core/time';
import type { BeatChange, PresenceChange } from '../change';
import { currentDocumentPath, heartbeatPath } from '../format';

/**
 * Turns changes into the commits that carry them, on one branch. Pure.
 *
 * - A state change is one commit of it/presence/all/<id>.json with the document
 *   as of that change, so history shows every state even after an outage.
 * - An announce rewrites the same file with the current document (no commit if unchanged).
 * - Consecutive heartbeats are coalesced into one commit of their flattime files.
 *
 * Only the leading changes that go to the same branch are planned; the rest are
 * left for the next write, so delivery stays in order.
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
  /** Changes covered, counted from the front. */
  readonly changes: number;
}

export interface BranchChoice {
  readonly branch: string;
  readonly heartbeatBranch: string;
}

export function branchFor(change: PresenceChange, branches: BranchChoice): string {
  return change.kind === 'beat' ? branches.heartbeatBranch : branches.branch;
}

export function planRun(changes: readonly PresenceChange[], branches: BranchChoice): PlannedRun {
  const first = changes[0];
  if (!first) return { branch: branches.branch, commits: [], changes: 0 };
  const branch = branchFor(first, branches);
  const commits: PlannedCommit[] = [];
  let beats: BeatChange[] = [];
  const flushBeats = (): void => {
    if (beats.length > 0) commits.push(heartbeatCommit(beats));
    beats = [];
  };
  let count = 0;
  for (const change of changes) {
    if (branchFor(change, branches) !== branch) break;
    count++;
    if (change.kind === 'beat') {
      beats.push(change);
      continue;
    }
    flushBeats();
    const files = [{ path: currentDocumentPath(change.id), content: change.content }];
    commits.push(change.kind === 'state' ? { files, message: change.message, statelog: change.statelog } : { files, message: change.message });
  }
  flushBeats();
  return { branch, commits, changes: count };
}

/** "i-4e7cb59a: heartbeat 201510082113"; several beats of an outage in one commit. */
function heartbeatCommit(beats: readonly BeatChange[]): PlannedCommit {
  const files = new Map<string, string>();
  const minutes: string[] = [];
  for (const beat of beats) {
    files.set(heartbeatPath(beat.id, beat.at), beat.content);
    minutes.push(flattimeMinute(beat.at));
  }
  const id = beats[0]!.id;
  const last = minutes.at(-1)!;
  const subject = beats.length === 1 ? `${id}: heartbeat ${last}` : `${id}: heartbeat ${last} (${beats.length} beats since ${minutes[0]})`;
  return { files: [...files].map(([path, content]) => ({ path, content })), message: subject };
}
