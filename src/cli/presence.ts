import type { Command } from 'commander';
import { isHeartbeatDue } from '../core/beat-cadence';
import { NodegridError } from '../core/errors';
import { nodeLabel } from '../core/event';
import { assertInstanceId } from '../core/ids';
import { currentDocumentPath } from '../presence/format';
import { flattimeMinute, humanTime, parseTss } from '../core/time';
import type { ParsedDocument } from '../presence/read';
import type { PresenceView } from '../presence/store';
import { recordPlainEvent } from '../node/record';
import { SinkQueue } from '../outbox/queue';
import { presenceRemotes, type PresenceRemote } from '../presence/git/remotes';
import { deliveryBudgetMs, identitySource, lockTimeoutMs, openContext, parseSeconds, type CliContext } from './context';
import { reportPending, runDelivery } from './delivery';
import { registerCompactCommand } from './presence-compact';
import { registerForgetCommand } from './presence-forget';
import { ensureInstanceId } from '../node/identity';
import { updateNodeMetrics } from './node-metrics';

export function registerPresenceCommands(program: Command): void {
  const presence = program
    .command('presence')
    .description("this node's document and heartbeat in the shared presence git repository")
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid presence push               # re-announce this node's current document
  $ nodegrid presence heartbeat          # write this minute's flattime beat
  $ nodegrid presence show               # what the presence repository says about this node
  $ nodegrid presence show i-4e7cb59a --json
  $ nodegrid presence compact --older-than 7d --dry-run
  $ nodegrid presence forget --all-retired --older-than 7d --dry-run`,
    );

  presence
    .command('push')
    .description('publish the current document again (after a config change, or when the repository lost it)')
    .option('--wait <seconds>', 'how long to try delivering (env NODEGRID_WAIT, config outbox.waitSeconds, default 10)')
    .option('--lock-timeout <seconds>', 'how long to wait for another nodegrid on this node (default 30); exit 75 after')
    .option('--json', 'print the event and what is still pending as JSON')
    .addHelpText(
      'after',
      `
Exit 0 once the document is on every presence remote, 4 when it is still queued.

Examples:
  $ nodegrid presence push
  $ nodegrid presence push --wait 60 || nodegrid outbox`,
    )
    .action(async (options: PushOptions, command: Command) => pushDocument(command, options));

  presence
    .command('heartbeat')
    .description("write this minute's beat to it/presence/flattime/…/<id>.json (at most every presence.heartbeat.everyMinutes)")
    .option('--force', 'beat even if the last beat is more recent than presence.heartbeat.everyMinutes')
    .option('--wait <seconds>', 'how long to try delivering (default: config outbox.waitSeconds)')
    .option('--no-wait', 'queue only; deliver later')
    .option('--lock-timeout <seconds>', 'how long to wait for another nodegrid on this node (default 30); exit 75 after')
    .option('--json', 'print what happened as JSON')
    .addHelpText(
      'after',
      `
Exit 0 once the beat is recorded (delivery may still be pending: see nodegrid outbox).

Examples:
  $ nodegrid presence heartbeat                   # from cron every minute
  $ nodegrid presence heartbeat --force --no-wait`,
    )
    .action(async (options: HeartbeatOptions, command: Command) => heartbeat(command, options));

  presence
    .command('show')
    .description('what the presence repository says about a node (default: this one)')
    .argument('[id]', 'the instance id to look up')
    .option('--remote <name>', 'which presence remote (as in `nodegrid info`, without "presence:"); default the first')
    .option('--wait <seconds>', 'time budget for fetching (default 30)')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Exit 3 when the repository has no usable document for the node.

Examples:
  $ nodegrid presence show
  $ nodegrid presence show i-4e7cb59a --json | jq -r .record.state`,
    )
    .action(async (id: string | undefined, options: ShowOptions, command: Command) => show(command, id, options));

  registerCompactCommand(presence);
  registerForgetCommand(presence);
}

interface PushOptions {
  wait?: string;
  lockTimeout?: string;
  json?: boolean;
}

interface HeartbeatOptions extends PushOptions {
  force?: boolean;
  wait?: string;
}

interface ShowOptions {
  remote?: string;
  wait?: string;
  json?: boolean;
}

function requireRemotes(context: CliContext): PresenceRemote[] {
  const remotes = presenceRemotes(context.settings.config.presence);
  if (remotes.length === 0) {
    throw new NodegridError('E_CONFIG', `no presence remote is configured in ${context.settings.configFile.path}`, {
      hint: 'add presence.remote (a git URL or path), e.g. presence: { remote: "git@github.com:acme/grid-presence.git" }',
    });
  }
  return remotes;
}

/** Somewhere to publish: a git remote, or a bucket (presence.backend s3). */
function requirePresence(context: CliContext): void {
  if (context.sinks.some((sink) => sink.role === 'presence')) return;
  requireRemotes(context);
}

function presencePending(context: CliContext): Record<string, number> {
  const pending: Record<string, number> = {};
  for (const sink of context.sinks) if (sink.role === 'presence') pending[sink.name] = new SinkQueue(context.home.outboxDir, sink.name).pendingCount();
  return pending;
}

async function pushDocument(command: Command, options: PushOptions): Promise<void> {
  const context = await openContext(command);
  requirePresence(context);
  await ensureInstanceId(identitySource(context));
  const event = await recordPlainEvent(context.recordContext({ lockTimeoutMs: lockTimeoutMs(options) }), { kind: 'announce', severity: 'quiet' });
  const reports = await runDelivery(context, deliveryBudgetMs(context, options), true);
  const pending = presencePending(context);
  const remaining = Object.values(pending).reduce((sum, n) => sum + n, 0);
  if (context.out.json) context.out.resultJson({ event, pending });
  else {
    if (remaining === 0) context.out.result(`announced ${event.state ?? '(no state yet)'} (${nodeLabel(event.node)}) on ${Object.keys(pending).join(', ')}`);
    reportPending(context, reports);
  }
  if (remaining > 0) throw new NodegridError('E_PENDING', `the document is queued but not on every presence remote yet (${remaining} event(s) pending)`, { hint: 'see: nodegrid outbox' });
}

async function heartbeat(command: Command, options: HeartbeatOptions): Promise<void> {
  const context = await openContext(command);
  const { presence } = context.settings.config;
  requirePresence(context);
  await ensureInstanceId(identitySource(context));
  const { noteBeat, readLastBeat } = await import('../heartbeat/last-beat'); // the work-state schema: loaded by beats only
  const last = readLastBeat(context.home.root);
  const now = new Date();
  if (!options.force && !isHeartbeatDue(last, now, presence.heartbeat.everyMinutes)) {
    const message = `not due: last beat ${last ? humanTime(last) : 'never'}, every ${presence.heartbeat.everyMinutes} min (use --force to beat anyway)`;
    if (context.out.json) context.out.resultJson({ beat: false, reason: message });
    else context.out.info(message);
    return;
  }
  const event = await recordPlainEvent(context.recordContext({ lockTimeoutMs: lockTimeoutMs(options) }), { kind: 'heartbeat', now });
  noteBeat(context.home.root, new Date(event.time));
  const budgetMs = deliveryBudgetMs(context, options);
  const reports = budgetMs > 0 ? await runDelivery(context, budgetMs, true) : [];
  await updateNodeMetrics(context);
  const minute = flattimeMinute(new Date(event.time));
  if (context.out.json) context.out.resultJson({ beat: true, minute, event, pending: presencePending(context) });
  else {
    context.out.result(`heartbeat ${minute} (${event.node.id})`);
    reportPending(context, reports);
  }
}

async function show(command: Command, idArgument: string | undefined, options: ShowOptions): Promise<void> {
  const context = await openContext(command);
  const open = shownPresence(context, options);
  const id = idArgument === undefined ? await ensureInstanceId(identitySource(context)) : assertInstanceId(idArgument, 'the id to show');
  const { view, json } = await open();
  // The reader loads only for `show`: push and heartbeat share the entry with `state set`.
  const [{ latestBeats }, { loadOneDocument }] = await Promise.all([import('../grid/heartbeats'), import('../presence/read')]);
  const document = await loadOneDocument(view.current, id);
  const lastBeat = (await latestBeats(view.heartbeats, { hoursBack: 24, expectedIds: new Set([id]) })).get(id);
  return reportShown(context, { id, file: currentDocumentPath(id), document, lastBeat, where: view.description, json });
}

/**
 * Where `presence show` reads: a git remote through the node's own delivery
 * clone (one shallow fetch, no second copy), or, when documents or beats are
 * in a bucket, the store the grid readers open. Checked before anything is
 * fetched, so a missing remote is named first.
 */
function shownPresence(context: CliContext, options: ShowOptions): () => Promise<{ view: PresenceView; json: FoundPresence['json'] }> {
  const { presence } = context.settings.config;
  if (presence.backend !== 'git' && options.remote === undefined) {
    return async () => {
      const view = await (await import('../presence/open')).openPresence({ presence, homeDir: context.home.root });
      return { view, json: { remote: view.description, branch: null, tip: null } };
    };
  }
  const remotes = requireRemotes(context);
  const remote = options.remote === undefined ? remotes[0]! : remotes.find((r) => r.name === options.remote || `presence:${r.name}` === options.remote);
  if (!remote) throw new NodegridError('E_BAD_INPUT', `no presence remote named ${JSON.stringify(options.remote!.slice(0, 64))}; configured: ${remotes.map((r) => r.name).join(', ')}`);
  const budgetMs = (parseSeconds(options.wait, '--wait') ?? 30) * 1000;
  return async () => {
    const view = await (await import('../presence/git/snapshot')).openNodeClone(presence, remote, context.home.root, budgetMs);
    return { view, json: { remote: remote.shownUrl, branch: view.branch, tip: view.tip ?? null } };
  };
}

/** What `presence show` found, wherever presence is kept. */
interface FoundPresence {
  readonly id: string;
  readonly file: string;
  /** Read and checked like every document the grid readers see; undefined when there is none. */
  readonly document: ParsedDocument | undefined;
  readonly lastBeat: string | undefined;
  /** For people: the remote and branch, or the bucket. */
  readonly where: string;
  readonly json: { readonly remote: string; readonly branch: string | null; readonly tip: string | null };
}

async function reportShown(context: CliContext, found: FoundPresence): Promise<void> {
  const { id, file, document, lastBeat, where } = found;
  const { minutesBetween } = await import('../grid/heartbeats');
  const record = document?.ok ? document.record : undefined;
  const problem = document === undefined ? `no document for ${id} at ${file}` : !document.ok ? `${file} ${document.problem}` : undefined;

  if (context.out.json) {
    context.out.resultJson({ id, ...found.json, file, record: record ?? null, lastBeat: lastBeat ?? null, problem: problem ?? null });
  } else if (record) {
    const since = record.statetss ? parseTss(record.statetss) : undefined;
    context.out.result(`${nodeLabel({ ...record, id })} ${record.state ?? '(no state)'}${since ? ` since ${humanTime(since)}` : ''}`);
    context.out.result(`  remote:    ${where}`);
    context.out.result(`  file:      ${file}`);
    if (record.stacktype) context.out.result(`  stacktype: ${record.stacktype}`);
    context.out.result(`  statelog:  ${record.statelog.map((e) => `${e.state} ${e.tss}`).join(', ') || '(empty)'}`);
    const ago = lastBeat ? minutesBetween(lastBeat, flattimeMinute(new Date())) : undefined;
    context.out.result(`  last beat: ${lastBeat ? `${lastBeat}${ago !== undefined ? ` (${ago} min ago)` : ''}` : 'none in the last 24 h'}`);
    for (const [key, value] of Object.entries(record.extra)) context.out.result(`  ${`${key}:`.padEnd(10)} ${JSON.stringify(value).slice(1, -1)}`);
    for (const warning of record.warnings) context.out.warn(`${file}: ${warning}`);
  }
  if (problem) {
    // No document at all is its own answer (exit 6); a document that cannot be read is a problem found (3).
    throw new NodegridError(document === undefined ? 'E_NOT_FOUND' : 'E_PROBLEMS_FOUND', `${problem} on ${where}`, { hint: 'publish it with: nodegrid presence push (on that node)' });
  }
}
