import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { nodeLabel } from '../core/event';
import { assertInstanceId } from '../core/ids';
import { formatDuration, humanTime } from '../core/time';
import { planForget, type ForgetCandidate } from '../grid/forget-plan';
import { openPresenceFileWriter, type RemovalOutcome } from '../presence/file-writer';
import { currentDocumentPath } from '../presence/format';
import { askerName } from './asker';
import { openContext, parseSeconds, type CliContext } from './context';
import { locate, openGrid, safeText } from './grid-source';
import { parseOlderThan } from './presence-compact';

/**
 * `nodegrid presence forget`: removes retired nodes' current documents from
 * it/presence/all/, so the grid stops listing machines that are long gone.
 * Their past stays (git history, the bucket's history objects, their beats).
 */
export function registerForgetCommand(presence: Command): void {
  presence
    .command('forget')
    .description("remove retired (decommissioned) nodes' current documents from it/presence/all/; their history stays")
    .argument('[ids...]', 'the nodes to forget')
    .option('--all-retired', 'every node retired (decommissioned) before --older-than')
    .option('--older-than <duration>', `only nodes retired longer ago than this: 7d, 36h, 90m (default ${DEFAULT_OLDER_THAN} with --all-retired; with ids, any time unless given)`)
    .option('--force', 'also forget a named node that is not retired (or retired too recently)')
    .option('--dry-run', 'list what would be forgotten; remove nothing')
    .option('--by <name>', 'who forgets them, named in the commit (default user@host)')
    .option('--remote <url>', 'read and write this presence git remote instead of presence.remote')
    .option('--wait <seconds>', 'how long to keep trying to write (default 60)')
    .option('--json', 'print what was (or would be) forgotten as JSON')
    .addHelpText(
      'after',
      `
A retired node's document says "decommissioned" forever; forgetting it takes
it out of nodes, find, the dashboard and the monitor's view. In git it is one
commit removing the files (naming who and which nodes), pushed with the same
fetch-and-retry as every presence write; each node's staged ref
(refs/nodegrid/staged/<branch>/<id>) is deleted first, so another node's push
never folds the forgotten document back. In S3 each current object is deleted
(If-Match its ETag with presence.s3.conditionalWrites). nodegrid history ID
still shows the node: git history and the bucket's history objects stay. A
node that is live again and announces itself reappears, as it should.

A document is removed only as it was judged: a node that published again
meanwhile is kept (exit 3).

Exit codes: 0 forgotten, nothing to forget, or --dry-run; 2 a named node is
not retired (or retired after --older-than) without --force, or bad flags;
nothing is removed then; 3 a document changed since it was read; 6 a named
node has no current document; 69 presence could not be reached.

Examples:
  $ nodegrid presence forget i-4e7cb59a
  $ nodegrid presence forget --all-retired --older-than 30d --dry-run
  $ nodegrid presence forget --all-retired --json          # retired over 7 days ago
  $ nodegrid presence forget i-0bad --force --by oncall    # a node that never said goodbye`,
    )
    .action(async (ids: string[], flags: ForgetFlags, command: Command) => forget(command, ids, flags));
}

interface ForgetFlags {
  allRetired?: boolean;
  olderThan?: string;
  force?: boolean;
  dryRun?: boolean;
  by?: string;
  remote?: string;
  wait?: string;
  json?: boolean;
}

const DEFAULT_OLDER_THAN = '7d';

async function forget(command: Command, ids: readonly string[], flags: ForgetFlags): Promise<void> {
  // Everything is checked before presence is read: bad input reads and writes nothing.
  if (ids.length === 0 && !flags.allRetired) throw new NodegridError('E_BAD_INPUT', 'say which nodes to forget: one or more ids, or --all-retired', { hint: 'e.g. nodegrid presence forget --all-retired --older-than 7d --dry-run' });
  if (ids.length > 0 && flags.allRetired) throw new NodegridError('E_BAD_INPUT', 'give ids or --all-retired, not both');
  if (flags.allRetired && flags.force) throw new NodegridError('E_BAD_INPUT', '--force goes with named nodes; --all-retired only ever forgets retired ones');
  for (const id of ids) assertInstanceId(id, 'the id');
  const olderThan = flags.olderThan ?? (flags.allRetired ? DEFAULT_OLDER_THAN : undefined);
  const olderThanMs = olderThan === undefined ? undefined : parseOlderThan(olderThan);
  const by = askerName(flags.by);
  const timeoutMs = (parseSeconds(flags.wait, '--wait') ?? 60) * 1000;
  const context = await openContext(command);
  const source = flags.remote === undefined ? {} : { remote: flags.remote };
  const where = await locate(context, source);
  const { nodes, now } = await openGrid(context, source, where);
  const cutoff = olderThanMs === undefined ? undefined : new Date(now.getTime() - olderThanMs);
  const chosen = planForget(nodes, { ids: [...new Set(ids)], allRetired: flags.allRetired ?? false, cutoff, force: flags.force ?? false }, now);

  const summary = { by, store: where.description, olderThan: olderThan ?? null, cutoff: cutoff?.toISOString() ?? null, dryRun: flags.dryRun ?? false };
  if (chosen.length === 0 || flags.dryRun) {
    report(context, summary, chosen.map((c) => ({ candidate: c, outcome: flags.dryRun ? ('would-remove' as const) : undefined })), now);
    return;
  }
  const paths = chosen.map((c) => currentDocumentPath(c.node.id));
  const contents = await where.current.readMany(paths);
  const writer = await openPresenceFileWriter({ presence: context.settings.config.presence, homeDir: context.home.root, remoteUrl: flags.remote });
  let outcomes: Map<string, RemovalOutcome>;
  try {
    const removals = chosen.map((c, i) => ({ path: paths[i]!, expected: contents.get(paths[i]!)?.toString('utf8') }));
    outcomes = await writer.remove(removals, commitMessage(chosen, by, now), { timeoutMs, log: (line) => context.log.write(`presence forget: ${line}`) });
  } finally {
    await writer.close();
  }
  const results = chosen.map((c, i) => ({ candidate: c, outcome: outcomes.get(paths[i]!) }));
  for (const { candidate, outcome } of results) context.log.write(`presence forget: ${candidate.node.id} ${outcome ?? 'not removed'} by ${by} in ${writer.description}`);
  report(context, { ...summary, store: writer.description }, results, now);
  const changed = results.filter((r) => r.outcome === 'changed').map((r) => r.candidate.node.id);
  if (changed.length > 0) {
    throw new NodegridError('E_PROBLEMS_FOUND', `kept ${changed.join(', ')}: the document changed since it was read (the node published again)`, { hint: 'look at it again (nodegrid nodes), then run the command again' });
  }
}

/** "forget i-1, i-2 (retired) by alice@host", each node and since when in the body. */
function commitMessage(chosen: readonly ForgetCandidate[], by: string, now: Date): string {
  const ids = chosen.map((c) => c.node.id);
  const shown = ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
  const lines = chosen.map((c) => `${nodeLabel({ id: c.node.id, deployment: c.node.deployment ?? undefined, nodepart: c.node.nodepart ?? undefined })}: ${c.node.state ?? 'no state'} (${c.node.health})${c.since ? ` since ${c.node.statetss}, ${formatDuration(now.getTime() - c.since.getTime())} before` : ''}`);
  return `forget ${shown} by ${by}\n\n${lines.join('\n')}\n\nNodegrid-Forget: ${ids.length} node${ids.length === 1 ? '' : 's'}`;
}

type Outcome = RemovalOutcome | 'would-remove' | undefined;

function report(context: CliContext, summary: { by: string; store: string; olderThan: string | null; cutoff: string | null; dryRun: boolean }, results: ReadonlyArray<{ candidate: ForgetCandidate; outcome: Outcome }>, now: Date): void {
  if (context.out.json) {
    context.out.resultJson({
      ...summary,
      nodes: results.map(({ candidate: { node }, outcome }) => ({ id: node.id, deployment: node.deployment, nodepart: node.nodepart, state: node.state, statetss: node.statetss, health: node.health, outcome: outcome ?? null })),
    });
    return;
  }
  if (results.length === 0) {
    context.out.result(`nothing to forget in ${summary.store}${summary.cutoff ? `: no node retired before ${humanTime(new Date(summary.cutoff))}` : ''}`);
    return;
  }
  for (const { candidate, outcome } of results) {
    const age = candidate.since ? `, ${candidate.node.state} ${formatDuration(now.getTime() - candidate.since.getTime())} ago` : '';
    context.out.result(`${candidate.node.id}  ${candidate.node.health}${safeText(age)}: ${outcome === 'would-remove' ? 'would be forgotten' : outcome === 'removed' ? 'forgotten' : outcome === 'absent' ? 'already gone' : 'kept (changed since read)'}`);
  }
  const verb = summary.dryRun ? 'would forget' : 'forgot';
  const count = results.filter((r) => r.outcome === 'removed' || r.outcome === 'would-remove').length;
  context.out.info(`${verb} ${count} node${count === 1 ? '' : 's'} in ${summary.store}${summary.dryRun ? ' (dry run: nothing removed)' : '; their history stays (nodegrid history ID)'}`);
}
