import type { Command } from 'commander';
import { errorMessage, NodegridError } from '../core/errors';
import { redactSecrets } from '../core/secrets';
import { problem, type CheckResult } from '../doctor/check';
import { runDoctorChecks } from '../doctor/run';
import { globalOptions, openContext, outputFor, parseSeconds, type CliContext } from './context';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("check this node's reporting path, one line each: nodeinfo, config, presence clones, remotes, outbox, clock")
    .option('--timeout <seconds>', 'time allowed for each remote check (default 15)')
    .option('--json', 'print {ok, checks: [{check, ok, detail, hint}]}')
    .addHelpText(
      'after',
      `
Checks, in order: the nodeinfo folder (readable, a valid id); the config (it
loads); each presence git clone (stale lock files a killed git left, integrity);
each presence remote's reachability (git ls-remote) and write access (a push
dry run that sends nothing, and whether the server refused recent deliveries);
the outbox (the oldest undelivered event per sink against outbox.stuckAfterSeconds,
events set aside); the clock against each http(s) remote (its Date header).
Nothing is changed. Exit 0 when every check is ok, 3 when any found a problem.

Examples:
  $ nodegrid doctor
  $ nodegrid doctor --json | jq -r '.checks[] | select(.ok | not) | .detail'
  $ nodegrid doctor --timeout 5 || echo "this node needs a look"`,
    )
    .action(async (options: { timeout?: string; json?: boolean }, command: Command) => doctor(command, options));
}

async function doctor(command: Command, options: { timeout?: string; json?: boolean }): Promise<void> {
  const timeoutMs = (parseSeconds(options.timeout, '--timeout') ?? 15) * 1000;
  const out = outputFor(command, globalOptions(command).json ?? false);
  const results: CheckResult[] = [];
  let secrets: readonly string[] = [];
  const report = (result: CheckResult): void => {
    const clean = { ...result, detail: redactSecrets(result.detail, secrets), hint: result.hint === undefined ? undefined : redactSecrets(result.hint, secrets) };
    results.push(clean);
    if (out.json) return;
    const mark = clean.ok ? out.paint('green', 'ok     ') : out.paint('red', 'PROBLEM');
    out.result(`${mark} ${clean.check}: ${clean.detail}${clean.hint ? `; ${clean.hint}` : ''}`);
  };

  let context: CliContext | undefined;
  let configError: string | undefined;
  try {
    context = await openContext(command);
    secrets = context.secrets;
  } catch (error) {
    configError = errorMessage(error);
  }
  if (!context) {
    // Where the nodeinfo folder is may itself be in the config.
    report(problem('nodeinfo', 'not checked: its location may be set in the config, which does not load'));
    report(problem('config', redactSecrets(configError ?? 'does not load'), 'fix the file as the message says (see the configuration reference in the README)'));
  } else {
    for (const result of await runDoctorChecks({ settings: context.settings, sinks: context.sinks, homeDir: context.home.root, outboxDir: context.home.outboxDir, secrets: context.secrets }, timeoutMs)) report(result);
  }

  const problems = results.filter((result) => !result.ok).length;
  if (out.json) out.resultJson({ ok: problems === 0, checks: results });
  else out.result(problems === 0 ? `all ${results.length} checks ok` : `${problems} of ${results.length} checks found a problem`);
  if (problems > 0) throw new NodegridError('E_PROBLEMS_FOUND', `doctor found ${problems} problem${problems === 1 ? '' : 's'}`);
}
