import path from 'node:path';

/** The layout of $NODEGRID_HOME: nodegrid's own state on the node. */
export function homeLayout(home: string) {
  return {
    root: home,
    logFile: path.join(home, 'log', 'nodegrid.log'),
    /** What cron appends each `tick`'s output to (heartbeat/tick-log.ts bounds it). */
    tickLogFile: path.join(home, 'log', 'tick.log'),
    outboxDir: path.join(home, 'outbox'),
    journalDir: path.join(home, 'journal'),
    /** The event being recorded, written before anything else (roll-forward after a crash). */
    pendingChangeFile: path.join(home, 'journal', 'pending.json'),
    seqFile: path.join(home, 'journal', 'seq'),
    /** The note of each state change that had one (node/state-notes.ts). */
    stateNotesFile: path.join(home, 'journal', 'state-notes.jsonl'),
    stateLockFile: path.join(home, 'locks', 'state.lock'),
    locksDir: path.join(home, 'locks'),
    clonesDir: path.join(home, 'clones'),
  };
}

export type HomeLayout = ReturnType<typeof homeLayout>;
