import type { Command } from 'commander';
import { loadSettings, type Settings } from '../config/load';
import { lockTimeoutSeconds, parseSeconds, waitSeconds } from '../config/precedence';
import { createRedactor, type Redactor } from '../core/secrets';
import { collectFields } from '../node/fields';
import { collectLabels } from '../node/labels';
import { homeLayout, type HomeLayout } from '../node/home';
import type { IdentitySource } from '../node/identity';
import { collectKnownSecrets } from '../node/known-secrets';
import { openNodeLog, type NodeLog } from '../sys/log';
import type { RecordContext } from '../node/record';
import type { OutboxView } from '../outbox/listing';
import { buildSinkDescriptors } from '../sinks/registry';
import type { SinkDescriptor } from '../sinks/sink';
import { createOutput, redactEverythingPrinted, type Output } from './output';

export { parseSeconds };

/**
 * What every command needs, resolved once from flags, environment and config
 * (in that order of precedence).
 */
export interface CliContext {
  readonly settings: Settings;
  readonly out: Output;
  readonly home: HomeLayout;
  readonly log: NodeLog;
  readonly sinks: readonly SinkDescriptor[];
  /**
   * Every secret value this node knows (config, nodeinfo files outside the
   * allow-list, secret-named environment variables): stripped from anything
   * printed, stored or published.
   */
  readonly secrets: readonly string[];
  /** The one redactor, built from `secrets`: what the log, the outbox and every printed line go through. */
  readonly redact: Redactor;
  /** `badLabels: 'skip'` for the heartbeat's own records: a bad labels.txt warns rather than stopping the beat (node/labels.ts). */
  recordContext(options?: { lockTimeoutMs?: number; badLabels?: 'refuse' | 'skip' }): RecordContext;
}

export interface GlobalOptions {
  json?: boolean;
  config?: string;
  nodeinfo?: string;
  home?: string;
  debug?: boolean;
  color?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function outputFor(command: Command, json = false): Output {
  const global = globalOptions(command);
  return createOutput({ json, noColor: global.color === false });
}

/**
 * A parent command's option (`state --json`) is also seen after a subcommand
 * (`state log --json`), so --json is read from the merged options.
 */
export async function openContext(command: Command): Promise<CliContext> {
  const global = globalOptions(command);
  const out = createOutput({ json: global.json ?? false, noColor: global.color === false });
  const settings = await loadSettings(global);
  const home = homeLayout(settings.homeDir.path);
  const sinks = buildSinkDescriptors(settings.config, { homeDir: settings.homeDir.path });
  const secrets = collectKnownSecrets({
    nodeinfoDir: settings.nodeinfoDir.path,
    env: process.env,
    configSecrets: sinks.flatMap((sink) => sink.secrets),
    published: [...settings.lifecycle.states.keys()],
  });
  const redact = createRedactor(secrets);
  redactEverythingPrinted(redact);
  const log = openNodeLog(home.logFile, redact);
  return {
    settings,
    out,
    home,
    log,
    sinks,
    secrets,
    redact,
    recordContext: (recordOptions = {}) => ({
      nodeinfoDir: settings.nodeinfoDir.path,
      home,
      lifecycle: settings.lifecycle,
      sinks,
      lockTimeoutMs: recordOptions.lockTimeoutMs ?? 30_000,
      maxPerSink: settings.config.outbox.maxPerSink,
      log,
      fields: collectFields(settings.config.presence.fields, (message) => out.warn(message)),
      labels: collectLabels({ nodeinfoDir: settings.nodeinfoDir.path, configured: settings.config.presence.labels, secrets, warn: (message) => out.warn(message), badLines: recordOptions.badLabels ?? 'refuse' }),
      secrets,
    }),
  };
}

/**
 * --wait / NODEGRID_WAIT / outbox.waitSeconds, with --no-wait meaning 0
 * (config/precedence.ts). The wait counts from the command's start, so `state set --wait 10` returns
 * within about 10 s even when starting took long on a busy machine; what is
 * left is never less than one short try.
 */
export function deliveryBudgetMs(context: CliContext, flags: { wait?: string | boolean }): number {
  const waitMs = waitSeconds(flags.wait, process.env, context.settings.config.outbox.waitSeconds) * 1000;
  return waitMs === 0 ? 0 : Math.max(MIN_TRY_MS, Math.round(waitMs - process.uptime() * 1000 - Math.min(STOP_AND_EXIT_MS, waitMs / 10)));
}

const MIN_TRY_MS = 250;
/** Kept back (at most a tenth of the wait) for stopping a git the deadline caught (SIGTERM, then its locks) and writing what happened. */
const STOP_AND_EXIT_MS = 1000;

export function lockTimeoutMs(flags: { lockTimeout?: string }): number {
  return lockTimeoutSeconds(flags.lockTimeout, process.env) * 1000;
}

/** The queues as the outbox listing reads them: this node's sinks, its stuck threshold, its secrets. */
export function outboxView(context: CliContext): OutboxView {
  return {
    outboxDir: context.home.outboxDir,
    configured: context.sinks.map((sink) => sink.name),
    stuckAfterSeconds: context.settings.config.outbox.stuckAfterSeconds,
    secrets: context.secrets,
  };
}

/** Where this node's instance id comes from: nodeinfo, else (with EC2 on) the instance metadata service. */
export function identitySource(context: CliContext): IdentitySource {
  return { nodeinfoDir: context.settings.nodeinfoDir.path, ec2Enabled: context.settings.config.ec2.enabled, log: context.log };
}
