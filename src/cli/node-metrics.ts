import { errorMessage } from '../core/errors';
import type { CliContext } from './context';

/**
 * Rewrites this node's metrics textfile after a command changed something it
 * shows (tick, state set, notify, presence heartbeat, outbox flush). With
 * metrics.textfile unset this is one property read: the metrics code is a
 * chunk of its own, loaded only when there is a file to write. A failure is
 * reported and never fails the command: the change itself is already recorded.
 */
export async function updateNodeMetrics(context: CliContext, tick?: { at: Date; seconds: number }): Promise<void> {
  const file = context.settings.config.metrics.textfile;
  if (file === undefined) return;
  try {
    const { refreshNodeTextfile } = await import('../metrics/node-textfile');
    refreshNodeTextfile(file, {
      nodeinfoDir: context.settings.nodeinfoDir.path,
      homeDir: context.home.root,
      outboxDir: context.home.outboxDir,
      sinkNames: context.sinks.map((sink) => sink.name),
      knownStates: [...context.settings.lifecycle.states.keys()],
    }, tick);
  } catch (error) {
    const message = `metrics textfile ${file} not written: ${errorMessage(error)} (check metrics.textfile and that its folder exists and is writable)`;
    context.log.write(message);
    context.out.warn(message);
  }
}
