/**
 * Something asking the node to leave service (SPEC §7): the cloud (a Spot
 * interruption notice, an Auto Scaling lifecycle hook) or, later, a request
 * written to presence. A plain value: the heartbeat acts on it once, and
 * whoever asked is told the outcome by its own source.
 */
export interface LeaveSignal {
  /** Who asks: `spot`, `autoscaling` … (chat and the log name it). */
  readonly source: string;
  /** What exactly was asked, as the source says it: the same id is acted on once. */
  readonly id: string;
  /** How far to go: drain then decommission, or decommission only (the node is drained already). */
  readonly step: 'drain' | 'decommission';
  /** How long leaving may take from when the signal was read: scripts, then the last word's delivery. */
  readonly deadlineMs: number;
  /** Why, in words for the state change's note: "spot interruption: terminate at 18:41:17 UTC". */
  readonly note: string;
}

/** How leaving on a signal ended, for whoever asked (the lifecycle hook's CONTINUE or ABANDON). */
export interface LeaveOutcome {
  /** The node reached decommissioned. */
  readonly left: boolean;
  readonly state: string;
  /** The last state change's note: how it went, or why it stopped. */
  readonly note: string;
}

/**
 * Where signals come from (instance metadata, presence requests …), with what
 * the asker wants back. Reading never decides anything: the heartbeat acts,
 * once per id, and calls back.
 */
export interface LeaveSignalSource {
  /** For the log: "ec2". */
  readonly name: string;
  /** The signal sources it speaks for (`spot`, `autoscaling`): one that answered with none of them has nothing to ask. */
  readonly asks: readonly string[];
  /** What it asks now; throws when it cannot be read (one log line, never a failed beat). */
  read(now: number): Promise<{ signals: LeaveSignal[]; problems: string[] }>;
  /** While leaving takes long, every `keepWaitingEveryMs`: keep the asker waiting (a lifecycle hook's heartbeat). What it did, or undefined for nothing. */
  readonly keepWaitingEveryMs?: number;
  keepWaiting?(signal: LeaveSignal): Promise<string | undefined>;
  /** Once the node has left, or could not: tell the asker. What it did, or undefined for nothing. */
  answer?(signal: LeaveSignal, outcome: LeaveOutcome): Promise<string | undefined>;
}
