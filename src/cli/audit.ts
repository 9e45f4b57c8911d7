import type { Command } from 'commander';
import { NodegridError } from '../core/errors';
import { isValidDnaName } from '../core/ids';
import { settingUpStates } from '../core/lifecycle';
import { auditFleet, FINDING_KINDS, type AuditReport } from '../grid/audit';
import type { Ec2ErrorKind } from '../sinks/ec2/errors';
import { openContext, type CliContext } from './context';
import { addGridSourceOptions, openGrid, type GridSourceFlags } from './grid-source';

export function registerAuditCommand(program: Command): void {
  const command = program
    .command('audit')
    .description('compare the instances EC2 reports with presence: zombies, ghosts, untracked, mismatched; exit 3 when any');
  addGridSourceOptions(command, false)
    .option('--deployment <name>', 'only instances tagged <tagPrefix>deployment=<name>, and presence of that deployment')
    .option('--json', 'print the findings as one JSON object')
    .addHelpText(
      'after',
      `
zombie      running in EC2 but never reached setup, or stuck in presetup/setup
            past grid.zombieAfterMinutes (you are paying for it)
ghost       presence says alive, the instance is terminated or unknown to EC2
untracked   running with no add: tags at all
mismatched  the add:state tag disagrees with the presence document

Uses the standard AWS credentials and region (ec2.region, AWS_REGION, profile).
Exit 0 when clean, 3 when anything is found.

Examples:
  $ nodegrid audit --presence /root/gitrepo/presence
  $ nodegrid audit --remote git@github.com:acme/presence.git --deployment fed1
  $ nodegrid audit --json | jq -r '.findings[] | select(.kind == "zombie") | .id'`,
    )
    .action(async (options: AuditOptions, command: Command) => runAudit(command, options));
}

interface AuditOptions extends GridSourceFlags {
  deployment?: string;
  json?: boolean;
}

async function runAudit(command: Command, options: AuditOptions): Promise<void> {
  if (options.deployment !== undefined && !isValidDnaName(options.deployment)) {
    throw new NodegridError('E_BAD_INPUT', '--deployment must be 1-64 characters from A-Z a-z 0-9 . _ -');
  }
  const context = await openContext(command);
  const { config } = context.settings;
  // The same reader as every grid command: a hostile file is named on stderr and skipped.
  const { grid } = await openGrid(context, options);
  const presence = grid.records.map((record) => ({ id: record.id, state: record.state, statetss: record.statetss, deployment: record.deployment }));

  // The SDK lives in its own chunk: loaded here, never at CLI start.
  const [{ openEc2 }, { listInstances }, { describeEc2Error }] = await Promise.all([
    import('../sinks/ec2/client'),
    import('../sinks/ec2/fleet'),
    import('../sinks/ec2/errors'),
  ]);
  const connection = await openEc2(config.ec2, { maxAttempts: 3 });
  let instances;
  try {
    instances = await listInstances(connection, { tagPrefix: config.ec2.tagPrefix, deployment: options.deployment });
  } catch (error) {
    // No outbox behind the audit: it ran once (the SDK's own retries included) and nothing retries it later.
    const description = describeEc2Error(error, 'DescribeInstances', connection.where);
    throw new NodegridError('E_UNEXPECTED', `${description.message}; the audit ran once and failed, nothing was compared`, { hint: AUDIT_AGAIN[description.kind] });
  } finally {
    connection.client.destroy();
  }

  const report = auditFleet({
    instances,
    presence,
    tagPrefix: config.ec2.tagPrefix,
    zombieAfterMs: config.grid.zombieAfterMinutes * 60_000,
    zombieAfterMsByDeployment: new Map(Object.entries(config.grid.deployments).flatMap(([name, rules]) => (rules.zombieAfterMinutes === undefined ? [] : [[name, rules.zombieAfterMinutes * 60_000] as const]))),
    settingUp: settingUpStates(context.settings.lifecycle),
    now: Date.now(),
    deployment: options.deployment,
  });
  printReport(context, report, connection.region);
  if (report.findings.length > 0) {
    throw new NodegridError('E_PROBLEMS_FOUND', `audit found ${summarize(report)}`);
  }
}

const AUDIT_AGAIN: Record<Ec2ErrorKind, string> = {
  credentials: 'fix the credentials as above, then run nodegrid audit again',
  permission: 'allow ec2:DescribeInstances, then run nodegrid audit again',
  throttled: 'EC2 is limiting the request rate of this account: run nodegrid audit again in a minute',
  unreachable: 'check the network, the region (ec2.region, AWS_REGION) and AWS_ENDPOINT_URL_EC2 if set, then run nodegrid audit again',
  server: 'EC2 failed on its side: run nodegrid audit again in a minute',
  invalid: 'EC2 rejected the request nodegrid sent: please report it, with the message above',
  'not-found': 'EC2 rejected the request nodegrid sent: please report it, with the message above',
};

function summarize(report: AuditReport): string {
  return FINDING_KINDS.filter((kind) => report.counts[kind] > 0)
    .map((kind) => `${report.counts[kind]} ${kind}${report.counts[kind] === 1 ? '' : kind === 'untracked' || kind === 'mismatched' ? '' : 's'}`)
    .join(', ');
}

function printReport(context: CliContext, report: AuditReport, region: string): void {
  if (context.out.json) {
    context.out.resultJson({ region, clean: report.findings.length === 0, instances: report.instances, presence: report.presence, counts: report.counts, findings: report.findings });
    return;
  }
  const scope = `${report.instances} instance${report.instances === 1 ? '' : 's'} in EC2 (${region}), ${report.presence} presence document${report.presence === 1 ? '' : 's'}`;
  if (report.findings.length === 0) {
    context.out.result(`clean: ${scope}`);
    return;
  }
  const rows = [['KIND', 'INSTANCE', 'EC2', 'PRESENCE', 'TAG', 'DETAIL']];
  for (const f of report.findings) rows.push([f.kind, f.id, f.cloudState ?? '-', f.presenceState ?? '-', f.tagState ?? '-', f.detail]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) context.out.result(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  context.out.result(`\n${summarize(report)} (${scope})`);
}
