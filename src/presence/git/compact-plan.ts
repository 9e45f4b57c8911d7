/**
 * Which commits of the heartbeat branch `presence compact` squashes, and into
 * what. Pure: history in, plan out.
 *
 * Every beat commit only adds files, so a commit's tree holds every beat up to
 * it: one commit per UTC day, with the tree of that day's last commit, loses no
 * beat file, only the minute-by-minute commits nobody reads (readers list the
 * tip's flattime folders, never the heartbeat branch's history).
 */
export interface HistoryCommit {
  readonly sha: string;
  readonly tree: string;
  /** Committer time, epoch seconds. */
  readonly time: number;
  /** For a commit an earlier compaction made: how many commits it stands for. */
  readonly compacted?: number | undefined;
}

/**
 * One commit of the new history. A unit of one commit is that commit, kept
 * (re-created on a new parent when an earlier unit changed); a unit of several
 * is one day squashed into a commit with the last one's tree.
 */
export interface PlanUnit {
  readonly commits: readonly HistoryCommit[];
  /** "2026-11-18" for units older than the cutoff. */
  readonly day?: string | undefined;
}

export interface DayPlan {
  readonly day: string;
  /** Commits of that day on the branch now. */
  readonly commits: number;
  /** Commits the day's one commit will stand for (earlier compactions included). */
  readonly beats: number;
  /** Whether this run squashes it (it has more than one commit). */
  readonly compacted: boolean;
}

export interface CompactionPlan {
  readonly units: readonly PlanUnit[];
  /** The days older than the cutoff, oldest first. */
  readonly days: readonly DayPlan[];
  /** Commits on the first-parent line now, and after the rewrite. */
  readonly before: number;
  readonly after: number;
  /** Commits newer than the cutoff, kept one by one. */
  readonly recent: number;
  /** False when every old day already is one commit: nothing to rewrite or push. */
  readonly changes: boolean;
}

/**
 * `history` is the first-parent line, oldest first. Only its leading run of
 * commits older than the cutoff is compacted: a node with a wrong clock can
 * put an old date among new commits, and squashing across it would fold
 * recent commits into an old day. Inside that run a day never goes backwards
 * for the same reason (a late commit dated yesterday joins today's unit), so
 * each day is one contiguous unit.
 */
export function planCompaction(history: readonly HistoryCommit[], cutoff: Date): CompactionPlan {
  const cutoffSeconds = Math.floor(cutoff.getTime() / 1000);
  const units: PlanUnit[] = [];
  let index = 0;
  let day = '';
  let group: HistoryCommit[] = [];
  for (; index < history.length && history[index]!.time < cutoffSeconds; index++) {
    const commit = history[index]!;
    const its = utcDay(commit.time);
    if (its > day) {
      if (group.length > 0) units.push({ commits: group, day });
      group = [];
      day = its;
    }
    group.push(commit);
  }
  if (group.length > 0) units.push({ commits: group, day });
  const days: DayPlan[] = units.map((unit) => ({
    day: unit.day!,
    commits: unit.commits.length,
    beats: unit.commits.reduce((sum, commit) => sum + (commit.compacted ?? 1), 0),
    compacted: unit.commits.length > 1,
  }));
  for (const commit of history.slice(index)) units.push({ commits: [commit] });
  return {
    units,
    days,
    before: history.length,
    after: units.length,
    recent: history.length - index,
    changes: days.some((d) => d.compacted),
  };
}

/** "heartbeats of 2026-11-18 (1440 commits compacted)" */
export function compactionMessage(day: string, beats: number): string {
  return `heartbeats of ${day} (${beats} commit${beats === 1 ? '' : 's'} compacted)`;
}

const COMPACTION_SUBJECT = /^heartbeats of \d{4}-\d{2}-\d{2} \((\d+) commits? compacted\)$/;

/** How many commits an earlier compaction's commit stands for, from its subject; undefined for any other commit. */
export function compactedCount(subject: string): number | undefined {
  const match = COMPACTION_SUBJECT.exec(subject);
  return match ? Number(match[1]) : undefined;
}

/** The commit time of a squashed unit: its latest, which lies in the unit's day and before the cutoff. */
export function unitTime(unit: PlanUnit): number {
  // A reduce, not Math.max(...): a day of a big grid has more commits than a call has room for arguments.
  return unit.commits.reduce((latest, commit) => Math.max(latest, commit.time), 0);
}

/** "2026-11-18" (UTC) of epoch seconds. */
export function utcDay(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}
