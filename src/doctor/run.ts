import type { Settings } from '../config/load';
import { errorMessage } from '../core/errors';
import { redactSecrets } from '../core/secrets';
import { existingQueueNames, SinkQueue } from '../outbox/queue';
import { readQueueHealth } from '../outbox/status';
import { cloneDirFor, presenceRemotes } from '../presence/git/remotes';
import type { SinkDescriptor } from '../sinks/sink';
import { ok, problem, type CheckResult } from './check';
import { checkClockSkew } from './clock-skew';
import { checkClone } from './clone';
import { checkNodeinfo } from './nodeinfo';
import { checkOutbox } from './outbox';
import { checkReachable, checkWriteAccess } from './remote';

/** What the checks look at: the node's settings, its sinks, its home. */
export interface DoctorInput {
  readonly settings: Pick<Settings, 'config' | 'configFile' | 'nodeinfoDir'>;
  readonly sinks: readonly SinkDescriptor[];
  readonly homeDir: string;
  readonly outboxDir: string;
  /** Never printed: every detail goes through the redactor with these. */
  readonly secrets: readonly string[];
}

/**
 * The checks of `nodegrid doctor`, in the order a report travels: the
 * nodeinfo, the config, each presence clone, each remote (reachable, writable),
 * the outbox, the clock. Nothing is changed.
 */
export async function runDoctorChecks(node: DoctorInput, timeoutMs: number): Promise<CheckResult[]> {
  const { config, configFile, nodeinfoDir } = node.settings;
  const results: CheckResult[] = [checkNodeinfo(nodeinfoDir.path, config.ec2.enabled)];
  const where = configFile.exists ? configFile.path : `defaults (no file at ${configFile.path})`;
  results.push(ok('config', `${where}; sinks: ${node.sinks.map((sink) => sink.name).join(', ') || 'none'}`));

  const remotes = config.presence.backend === 's3' ? [] : presenceRemotes(config.presence);
  const gitTimeoutMs = Math.min(timeoutMs, config.presence.gitTimeoutSeconds * 1000);
  for (const remote of remotes) {
    const sink = `presence:${remote.name}`;
    results.push(await checkClone(sink, cloneDirFor(node.homeDir, remote.name), gitTimeoutMs).catch((error: unknown) => problem(`clone ${sink}`, errorMessage(error))));
  }
  for (const remote of remotes) {
    const sink = `presence:${remote.name}`;
    const status = new SinkQueue(node.outboxDir, sink).readStatus();
    const pending = new SinkQueue(node.outboxDir, sink).pendingCount();
    results.push(await checkReachable(sink, remote, { branch: config.presence.branch, timeoutMs: gitTimeoutMs }));
    results.push(
      await checkWriteAccess(sink, remote, {
        branch: config.presence.branch,
        timeoutMs: gitTimeoutMs,
        // Refusals in a row that still hold events back: only a real push meets a pre-receive hook.
        refusals: { count: pending > 0 ? status.permanentFailures : 0, lastError: status.lastError },
      }),
    );
  }

  const names = [...new Set([...node.sinks.map((sink) => sink.name), ...existingQueueNames(node.outboxDir)])].sort();
  results.push(
    ...checkOutbox({
      queues: names.map((name) => readQueueHealth(node.outboxDir, name)),
      configured: new Set(node.sinks.map((sink) => sink.name)),
      stuckAfterSeconds: config.outbox.stuckAfterSeconds,
      now: new Date(),
      redact: (text) => redactSecrets(text, node.secrets),
    }),
  );

  for (const remote of remotes) results.push(await checkClockSkew(`presence:${remote.name}`, remote.url, remote.shownUrl, timeoutMs));
  return results;
}
