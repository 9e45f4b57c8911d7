import type { Command } from 'commander';
import { loadSettings, pickSetting, type Settings } from '../config/load';
import { NodegridError } from '../core/errors';
import { createRedactor, type Redactor } from '../core/secrets';
import { collectFields } from '../node/fields';
import { homeLayout, type HomeLayout } from '../node/home';
import type { IdentitySource } from '../node/identity';
import { collectKnownSecrets } from '../node/known-secrets';
import { openNodeLog, type NodeLog } from '../sys/log';
import type { RecordContext } from '../node/record';
import type { OutboxView } from '../outbox/listing';
import { buildSinkDescriptors } from '../sinks/registry';
import type { SinkDescriptor } from '../sinks/sink';
import { createOutput, redactEverythingPrinted, type Output } from './output';

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
  recordContext(options?: { lockTimeoutMs?: number }): RecordContext;
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
      secrets,
    }),
  };
}

/** A seconds value from a flag or env var: a non-negative number, or a clear E_BAD_INPUT. */
export function parseSeconds(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) {
    throw new NodegridError('E_BAD_INPUT', `${what} must be a number of seconds between 0 and 86400, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return seconds;
}

/** --wait / NODEGRID_WAIT / outbox.waitSeconds, with --no-wait meaning 0. */
export function deliveryBudgetMs(context: CliContext, flags: { wait?: string | boolean }): number {
  if (flags.wait === false) return 0;
  const flag = typeof flags.wait === 'string' ? parseSeconds(flags.wait, '--wait') : undefined;
  const env = parseSeconds(process.env.NODEGRID_WAIT || undefined, 'NODEGRID_WAIT');
  return pickSetting(flag, env, context.settings.config.outbox.waitSeconds, 10).value * 1000;
}

export function lockTimeoutMs(flags: { lockTimeout?: string }): number {
  const flag = parseSeconds(flags.lockTimeout, '--lock-timeout');
  const env = parseSeconds(process.env.NODEGRID_LOCK_TIMEOUT || undefined, 'NODEGRID_LOCK_TIMEOUT');
  return pickSetting(flag, env, undefined, 30).value * 1000;
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
