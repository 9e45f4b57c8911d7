import fs from 'node:fs';
import path from 'node:path';
import { NodegridError } from '../core/errors';
import { describeEvent, MAX_NOTE_CHARS, type EventKind, type NodeEvent, type NodeIdentity } from '../core/event';
import { decideTransition, stateDefinition, type Lifecycle, type Severity } from '../core/lifecycle';
import { redactSecrets } from '../core/secrets';
import { formatStateLogEntry } from '../core/statelog';
import { parseJsonWith } from '../core/parse-json';
import { formatTss } from '../core/time';
import { enqueueForSinks, eventId, readSequence } from '../outbox/enqueue';
import type { SinkDescriptor } from '../sinks/sink';
import { appendDurable, fileSize, isNoSpaceError, noSpaceReason, readTextIfExists, removeFileIfExists, removeStaleTempFiles, syncDirectory, writeFileAtomic } from '../sys/files';
import type { Labels } from '../core/labels';
import type { HomeLayout } from './home';
import { acquireLock } from '../sys/lock';
import type { PendingChange } from './pending-change';
import { setAside } from '../sys/set-aside';
import type { NodeLog } from '../sys/log';
import { NODEINFO_FILES, readNodeRecord, requireIdentity } from './nodeinfo';
import { noteOfChange, recordStateNote } from './state-notes';

/**
 * Records what happens to this node, on the node first, under the node's lock:
 *
 *   1. journal/pending.json  ← the event, and the statelog size before it (the commit point)
 *   2. statelog.txt          ← one appended entry
 *   3. state.txt, statetss.txt (atomic replace)
 *   4. one file per sink queue (the outbox)
 *   5. journal/seq, the log line, then pending.json is removed
 *
 * A kill anywhere after 1 is rolled forward by the next command that takes the
 * lock, so a change is either not recorded at all or recorded everywhere.
 */
export interface RecordContext {
  readonly nodeinfoDir: string;
  readonly home: HomeLayout;
  readonly lifecycle: Lifecycle;
  readonly sinks: readonly SinkDescriptor[];
  readonly lockTimeoutMs: number;
  readonly maxPerSink: number;
  readonly log: NodeLog;
  /** Allow-listed extra fields for presence (already checked for secrets). */
  readonly fields?: Readonly<Record<string, string>> | undefined;
  /** The node's labels (node/labels.ts, already checked). */
  readonly labels?: Labels | undefined;
  /** Known secret strings (config tokens, URLs) to strip from notes. */
  readonly secrets?: readonly string[] | undefined;
}

export type StateChangeResult = { kind: 'changed'; event: NodeEvent } | { kind: 'noop'; reason: string; state: string | undefined };

export interface StateChangeRequest {
  readonly to: string;
  readonly note?: string | undefined;
  readonly force: boolean;
  readonly now?: Date | undefined;
}

export async function recordStateChange(context: RecordContext, request: StateChangeRequest): Promise<StateChangeResult> {
  const note = cleanNote(request.note, context.secrets);
  // Refuse what is certainly refused before touching the disk (no lock, no folders):
  // bad input changes nothing. The decision is taken again under the lock.
  // (Skipped when an interrupted change waits to be rolled forward: it may change the current state.)
  if (!fs.existsSync(context.home.pendingChangeFile)) {
    const unlocked = readNodeRecord(context.nodeinfoDir);
    requireIdentity(unlocked, context.nodeinfoDir);
    decideTransition(context.lifecycle, unlocked.state, request.to, request.force);
  }
  return withNodeLock(context, () => {
    const record = readNodeRecord(context.nodeinfoDir);
    const identity = requireIdentity(record, context.nodeinfoDir);
    const decision = decideTransition(context.lifecycle, record.state, request.to, request.force);
    if (decision.kind === 'noop') return { kind: 'noop', reason: decision.reason, state: record.state };

    const now = request.now ?? new Date();
    const tss = formatTss(now);
    const entry = formatStateLogEntry({ state: request.to, tss });
    const statelogFile = path.join(context.nodeinfoDir, NODEINFO_FILES.statelog);
    const definition = stateDefinition(context.lifecycle, request.to);
    const event = buildEvent(context, identity, {
      kind: 'state',
      from: record.state ?? null,
      state: request.to,
      statetss: tss,
      statelog: record.statelogText + entry,
      severity: definition.severity,
      color: definition.color,
      note,
      now,
    });
    applyOrExplain(context, { event, statelogSizeBefore: fileSize(statelogFile) }, false);
    return { kind: 'changed', event };
  });
}

export interface PlainEventRequest {
  readonly kind: Exclude<EventKind, 'state'>;
  readonly message?: string | undefined;
  readonly note?: string | undefined;
  readonly severity?: Severity | undefined;
  readonly now?: Date | undefined;
}

/** A heartbeat or a free message: the node's current state, no statelog entry. */
export async function recordPlainEvent(context: RecordContext, request: PlainEventRequest): Promise<NodeEvent> {
  const note = cleanNote(request.note, context.secrets);
  const message = cleanNote(request.message, context.secrets);
  return withNodeLock(context, () => {
    const record = readNodeRecord(context.nodeinfoDir);
    const identity = requireIdentity(record, context.nodeinfoDir);
    const definition = record.state ? stateDefinition(context.lifecycle, record.state) : undefined;
    const event = buildEvent(context, identity, {
      kind: request.kind,
      from: record.state ?? null,
      state: record.state ?? null,
      statetss: record.statetss ?? null,
      statelog: record.statelogText,
      severity: request.severity ?? (request.kind === 'heartbeat' ? 'quiet' : 'chatty'),
      color: request.severity === 'critical' ? 'red' : (definition?.color ?? 'gray'),
      note,
      stateNote: noteOfChange(context.home.stateNotesFile, record.state, record.statetss),
      message,
      now: request.now ?? new Date(),
    });
    applyOrExplain(context, { event, statelogSizeBefore: null }, false);
    return event;
  });
}

/**
 * Finishes a change a killed process left half-recorded (readers call it before showing state).
 * A disk that cannot take it yet does not stop the reader: it is told (warn) and the files are shown as they are.
 */
export async function recoverInterruptedChange(context: RecordContext, warn?: (message: string) => void): Promise<boolean> {
  if (!fs.existsSync(context.home.pendingChangeFile)) return false;
  try {
    await withNodeLock(context, () => undefined);
  } catch (error) {
    if (!(error instanceof NodegridError && error.code === 'E_NO_SPACE')) throw error;
    warn?.(error.message);
    return false;
  }
  return true;
}

async function withNodeLock<T>(context: RecordContext, body: () => T): Promise<T> {
  fs.mkdirSync(context.home.journalDir, { recursive: true });
  const lock = await acquireLock(context.home.stateLockFile, { timeoutMs: context.lockTimeoutMs, what: 'the node state lock' });
  try {
    removeStaleTempFiles(context.home.journalDir);
    removeStaleTempFiles(context.nodeinfoDir);
    const interrupted = await readPendingChange(context);
    if (interrupted) applyOrExplain(context, interrupted, true);
    return body();
  } finally {
    await lock.release();
  }
}

/** Its schema, and zod with it, is loaded only when there is a file to read: after a kill, not on every change. */
async function readPendingChange(context: RecordContext): Promise<PendingChange | undefined> {
  const text = readTextIfExists(context.home.pendingChangeFile);
  if (text === undefined) return undefined;
  const { pendingChangeSchema } = await import('./pending-change');
  const parsed = parseJsonWith(pendingChangeSchema, text);
  if (parsed.ok) return parsed.value;
  // pending.json is written atomically, so this is not ours to interpret; keep it for a person.
  setAside(context.home.pendingChangeFile, parsed.problem, `${context.home.pendingChangeFile}.corrupt-${Date.now()}`, context.log);
  return undefined;
}

function applyPendingChange(context: RecordContext, change: PendingChange, recovering: boolean): void {
  const { event } = change;
  if (!recovering) writeFileAtomic(context.home.pendingChangeFile, `${JSON.stringify(change)}\n`);

  if (change.statelogSizeBefore !== null && event.state !== null && event.statetss !== null) {
    const statelogFile = path.join(context.nodeinfoDir, NODEINFO_FILES.statelog);
    // Append exactly once: the size tells whether the entry already landed before a kill.
    if (fileSize(statelogFile) === change.statelogSizeBefore) {
      appendDurable(statelogFile, formatStateLogEntry({ state: event.state, tss: event.statetss }));
    }
    if (event.note) recordStateNote(context.home.stateNotesFile, { state: event.state, tss: event.statetss, note: event.note });
    writeFileAtomic(path.join(context.nodeinfoDir, NODEINFO_FILES.state), `${event.state}\n`, { syncDir: false });
    writeFileAtomic(path.join(context.nodeinfoDir, NODEINFO_FILES.statetss), `${event.statetss}\n`, { syncDir: false });
    syncDirectory(context.nodeinfoDir);
  }

  enqueueForSinks(context.home.outboxDir, context.sinks, context.maxPerSink, event, (sink, name) =>
    context.log.write(`CRITICAL: outbox for ${sink} is over ${context.maxPerSink} events; dropped ${name}`),
  );

  writeFileAtomic(context.home.seqFile, `${Math.max(readSequence(context.home.seqFile), event.seq)}\n`, { syncDir: false });
  if (event.kind !== 'heartbeat' || recovering) context.log.write(`${describeEvent(event)}${recovering ? ' [recovered after an interrupted run]' : ''}`, new Date(event.time));
  removeFileIfExists(context.home.pendingChangeFile);
  syncDirectory(context.home.journalDir); // the seq file's rename and pending.json's removal
}



/**
 * applyPendingChange, with a file system that refuses a write (full, over quota,
 * read-only) answered by where the record stands: before pending.json is on disk
 * nothing is recorded; once it is, the change is recorded and the next command
 * that takes the lock rolls it forward.
 */
function applyOrExplain(context: RecordContext, change: PendingChange, recovering: boolean): void {
  try {
    applyPendingChange(context, change, recovering);
  } catch (error) {
    if (!isNoSpaceError(error)) throw error;
    const committed = recovering || fs.existsSync(context.home.pendingChangeFile);
    throw noSpaceAnswer(context, change.event, error, committed, recovering);
  }
}

function noSpaceAnswer(context: RecordContext, event: NodeEvent, error: NodeJS.ErrnoException, committed: boolean, recovering: boolean): NodegridError {
  const file = error.path ?? context.home.root;
  const dir = error.path === undefined ? file : path.dirname(file);
  const writing = `${noSpaceReason(error)} writing ${path.basename(file)}`;
  if (!committed) {
    return new NodegridError('E_NO_SPACE', `not recorded: ${noSpaceReason(error)} on ${dir} (writing ${path.basename(file)}); nothing changed`, {
      hint: `free space on ${dir}, then run the command again`,
      cause: error,
    });
  }
  const needs = error.code === 'EROFS' ? `${dir} to be writable (${writing})` : `space on ${dir} (${writing})`;
  const what = event.kind === 'state' ? `${event.from ?? 'none'} -> ${event.state}` : event.kind;
  const shown = readNodeRecord(context.nodeinfoDir).state;
  const stale = event.kind === 'state' && shown !== event.state ? `${path.join(context.nodeinfoDir, NODEINFO_FILES.state)} shows ${shown ?? 'no state'} until then; ` : '';
  const hint = `${stale}free space on ${dir}, then run any nodegrid command (e.g. nodegrid state)`;
  if (recovering) {
    return new NodegridError('E_NO_SPACE', `an earlier change (${what}) is recorded, but finishing it needs ${needs}; nothing new was recorded; the next command completes it`, { hint, cause: error });
  }
  return new NodegridError('E_NO_SPACE', `recorded (${what}); finishing it needs ${needs}; the next command completes it`, { hint, cause: error });
}

interface EventFacts {
  kind: EventKind;
  from: string | null;
  state: string | null;
  statetss: string | null;
  statelog: string;
  severity: Severity;
  color: NodeEvent['color'];
  note: string | undefined;
  stateNote?: string | undefined;
  message?: string | undefined;
  now: Date;
}

function buildEvent(context: RecordContext, node: NodeIdentity, facts: EventFacts): NodeEvent {
  const seq = readSequence(context.home.seqFile) + 1;
  return {
    id: eventId(node.id, seq),
    seq,
    kind: facts.kind,
    node,
    from: facts.from,
    state: facts.state,
    time: facts.now.toISOString(),
    statetss: facts.statetss,
    statelog: facts.statelog,
    severity: facts.severity,
    color: facts.color,
    ...(facts.note ? { note: facts.note } : {}),
    ...(facts.stateNote ? { stateNote: facts.stateNote } : {}),
    ...(facts.message ? { message: facts.message } : {}),
    ...(context.fields && Object.keys(context.fields).length > 0 ? { fields: context.fields } : {}),
    ...(context.labels && Object.keys(context.labels).length > 0 ? { labels: context.labels } : {}),
  };
}

/** Notes go to chat and git: no NUL, bounded, and token-shaped text redacted. */
function cleanNote(note: string | undefined, secrets: readonly string[] = []): string | undefined {
  if (note === undefined || note === '') return undefined;
  if (note.includes('\0')) throw new NodegridError('E_BAD_INPUT', 'the note contains a NUL byte');
  if (note.length > MAX_NOTE_CHARS) throw new NodegridError('E_BAD_INPUT', `the note is ${note.length} characters; at most ${MAX_NOTE_CHARS} are allowed`);
  return redactSecrets(note, secrets);
}
