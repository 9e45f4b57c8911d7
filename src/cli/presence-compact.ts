import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { humanTime, parseDuration } from '../core/time';
import type { CompactOutcome } from '../presence/git/compact';
import { presenceRemotes, type PresenceRemote } from '../presence/git/remotes';
import { lockTimeoutMs, openContext, type CliContext } from './context';

/**
 * `nodegrid presence compact`: flags in, summary out. The rewrite itself
 * (presence/git/compact.ts) is loaded only when the command runs.
 */
export function registerCompactCommand(presence: Command): void {
  presence
    .command('compact')
    .description("rewrite the heartbeat branch's history older than --older-than into one commit per UTC day (never presence.branch)")
    .option('--older-than <duration>', `compact commits older than this: 7d, 36h, 90m (default ${DEFAULT_OLDER_THAN})`)
    .option('--remote <name>', 'which presence remote (as in `nodegrid info`, without "presence:"); default the first')
    .option('--dry-run', 'print what would be compacted; write and push nothing')
    .option('--lock-timeout <seconds>', 'how long to wait for another compaction of the same remote on this machine (default 30); exit 75 after')
    .option('--json', 'print the plan and the outcome as JSON')
    .addHelpText(
      'after',
      `
A beat commit only adds files, so each UTC day older than --older-than becomes
one commit with the tree of that day's last commit: every beat file stays, the
tip's tree is unchanged, only the minute-by-minute commits go. Newer commits
are kept as they are (same trees, messages, authors and dates). Needs
presence.heartbeat.branch: a branch of its own, never presence.branch. Nodes
may keep beating meanwhile: the push is --force-with-lease, redone on a new tip.

Exit 0 when compacted, when there is nothing to compact, and after --dry-run;
2 when heartbeats share presence.branch or --older-than is not a duration;
75 when nodes kept pushing through every attempt (run it again later).

Examples:
  $ nodegrid presence compact --dry-run
  $ nodegrid presence compact --older-than 7d        # daily, from cron on one machine
  $ nodegrid presence compact --older-than 36h --remote backup --json`,
    )
    .action(async (flags: CompactFlags, command: Command) => compact(command, flags));
}

interface CompactFlags {
  olderThan?: string;
  remote?: string;
  dryRun?: boolean;
  lockTimeout?: string;
  json?: boolean;
}

const DEFAULT_OLDER_THAN = '7d';

async function compact(command: Command, flags: CompactFlags): Promise<void> {
  const context = await openContext(command);
  const olderThan = flags.olderThan ?? DEFAULT_OLDER_THAN;
  const olderThanMs = parseOlderThan(olderThan);
  const dryRun = flags.dryRun ?? false;
  const { compactHeartbeats, heartbeatBranchToCompact } = await import('../presence/git/compact');
  const { presence } = context.settings.config;
  // Refused before anything touches the network.
  heartbeatBranchToCompact(presence);
  const remote = chooseRemote(context, flags.remote);
  const log = (line: string): void => {
    context.log.write(line);
    context.out.info(line);
  };
  const outcome = await compactHeartbeats(presence, remote, context.home.root, {
    olderThanMs,
    now: new Date(),
    dryRun,
    author: presence.author ?? { name: 'nodegrid', email: 'nodegrid@compact' },
    lockTimeoutMs: lockTimeoutMs(flags),
    log,
  });
  if (outcome.newTip !== undefined) {
    context.log.write(`presence compact: ${outcome.branch} on ${outcome.remote} rewritten, ${outcome.plan?.before} -> ${outcome.plan?.after} commits, ${outcome.oldTip} -> ${outcome.newTip}`);
  }
  if (context.out.json) context.out.resultJson(summaryJson(outcome, olderThan, dryRun));
  else for (const line of summaryLines(outcome, olderThan, dryRun)) context.out.result(line);
}

/** "7d", "36h", "90m": a unit is required, since a bare "7" could mean minutes or days. */
export function parseOlderThan(text: string): number {
  const ms = /[smhd]\s*$/.test(text) ? parseDuration(text, 'd') : undefined;
  if (ms === undefined) {
    throw new NodegridError('E_BAD_INPUT', `--older-than must be a duration with a unit, such as 7d, 36h or 90m; got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return ms;
}

/** `--remote <name>` as `presence show` takes it (with or without "presence:"); default the first remote. */
function chooseRemote(context: CliContext, name: string | undefined): PresenceRemote {
  const { backend } = context.settings.config.presence;
  if (backend !== 'git') {
    // A bucket has no commits to squash; old beats there go with a lifecycle rule.
    throw new NodegridError('E_BAD_INPUT', `presence.backend is ${backend}: heartbeats go to S3, not to a git branch, so there is no heartbeat history to compact`, {
      hint: 'expire old beats with a bucket lifecycle rule on the prefix it/presence/flattime/ instead',
    });
  }
  const remotes = presenceRemotes(context.settings.config.presence);
  if (remotes.length === 0) {
    throw new NodegridError('E_CONFIG', `no presence remote is configured in ${context.settings.configFile.path}: only a git presence repository has a heartbeat branch to compact`, {
      hint: 'add presence.remote (a git URL or path) and presence.heartbeat.branch',
    });
  }
  if (name === undefined) return remotes[0]!;
  const remote = remotes.find((r) => r.name === name || `presence:${r.name}` === name);
  if (!remote) throw new NodegridError('E_BAD_INPUT', `no presence remote named ${JSON.stringify(name.slice(0, 64))}; configured: ${remotes.map((r) => r.name).join(', ')}`);
  return remote;
}

function summaryJson(outcome: CompactOutcome, olderThan: string, dryRun: boolean): unknown {
  const { plan } = outcome;
  return {
    remote: outcome.remote,
    branch: outcome.branch,
    olderThan,
    cutoff: outcome.cutoff.toISOString(),
    dryRun,
    changes: plan?.changes ?? false,
    pushed: outcome.newTip !== undefined,
    attempts: outcome.attempts,
    before: plan?.before ?? 0,
    after: plan?.after ?? 0,
    recent: plan?.recent ?? 0,
    days: plan?.days ?? [],
    oldTip: outcome.oldTip ?? null,
    newTip: outcome.newTip ?? null,
  };
}

function summaryLines(outcome: CompactOutcome, olderThan: string, dryRun: boolean): string[] {
  const { plan } = outcome;
  const where = `${outcome.remote} (branch ${outcome.branch})`;
  const before = `before ${humanTime(outcome.cutoff)}`;
  if (plan === undefined) return [`nothing to compact: ${where} does not exist yet`];
  if (!plan.changes) return [`nothing to compact on ${where}: every day ${before} is one commit already (${plan.before} commits, ${plan.recent} newer than ${olderThan})`];
  const squashed = plan.days.filter((day) => day.compacted);
  const lines = [
    `${dryRun ? 'would compact' : 'compacted'} ${where}: ${squashed.length} day${squashed.length === 1 ? '' : 's'} ${before} into one commit each`,
    ...squashed.map((day) => `  ${day.day}  ${String(day.commits).padStart(6)} commits -> 1`),
  ];
  const kept = plan.days.length - squashed.length;
  if (kept > 0) lines.push(`  (${kept} older day${kept === 1 ? '' : 's'} already one commit)`);
  lines.push(`  commits: ${plan.before} -> ${plan.after} (${plan.recent} newer than ${olderThan} kept as they are)`);
  if (dryRun) lines.push(`  tip: ${outcome.oldTip?.slice(0, 12)} (dry run: nothing written, nothing pushed)`);
  else lines.push(`  tip: ${outcome.oldTip?.slice(0, 12)} -> ${outcome.newTip?.slice(0, 12)} (attempt ${outcome.attempts})`);
  return lines;
}
