import path from 'node:path';
import type { LeaveSignalSource } from '../core/leave-signal';
import type { TickEnvironment } from '../heartbeat/tick';
import { readNodeRecord, requireIdentity } from '../node/nodeinfo';
import type { CliContext } from './context';
import { runDelivery } from './delivery';
import { leaveEnvironment } from './leave';

/**
 * What may ask this node to leave, and how the beat leaves when asked: the
 * tick gets two functions and knows no source. Off EC2 (ec2.enabled false)
 * there is no source and nothing is asked.
 */
export async function leaveSignalWiring(context: CliContext, repoDir: string): Promise<Pick<TickEnvironment, 'leaveSignals' | 'leave'>> {
  const sources = await leaveSignalSources(context);
  const { leaveOnSignal, readLeaveSignals } = await import('../heartbeat/leave-on-signal');
  return {
    leaveSignals: () => readLeaveSignals(sources, Date.now(), context.log),
    leave: (signal) =>
      leaveOnSignal(
        {
          // The cloud does not ask whether the lifecycle allows it: setup or wedged nodes leave too.
          steps: leaveEnvironment(context, repoDir, () => true),
          sources,
          deliver: async (budgetMs) => (await runDelivery(context, budgetMs, true)).reduce((sum, report) => sum + report.pending, 0),
          log: context.log,
        },
        signal,
      ),
  };
}

async function leaveSignalSources(context: CliContext): Promise<LeaveSignalSource[]> {
  const { ec2 } = context.settings.config;
  if (!ec2.enabled) return [];
  const { ec2LeaveSource } = await import('../sinks/ec2/leave-source');
  const instanceId = () => requireIdentity(readNodeRecord(context.settings.nodeinfoDir.path), context.settings.nodeinfoDir.path).id;
  return [ec2LeaveSource(ec2, { instanceId, servedFile: path.join(context.home.root, 'heartbeat', 'autoscaling-in-service.json') })];
}
