import { NodegridError } from '../core/errors';
import type { NodeLog } from '../sys/log';
import { NODEINFO_FILES, readNodeRecord, requireIdentity, writeInstanceId } from './nodeinfo';

export interface IdentitySource {
  readonly nodeinfoDir: string;
  /** Whether the EC2 instance metadata service may be asked. */
  readonly ec2Enabled: boolean;
  readonly log: NodeLog;
}

/**
 * Commands that publish need an instance id. It comes from instance-id.txt;
 * where that is missing and EC2 is enabled, the instance metadata service is
 * asked (IMDSv2, bounded to about a second so a boot script never hangs) and
 * the answer is written, so `state set setup` can be a boot script's first line.
 */
export async function ensureInstanceId(source: IdentitySource): Promise<string> {
  const { nodeinfoDir } = source;
  const record = readNodeRecord(nodeinfoDir);
  // An id that is present but invalid is the operator's to fix, never silently replaced.
  const invalid = record.problems.some((problem) => problem.startsWith(NODEINFO_FILES.id));
  if (record.identity.id !== undefined || invalid || !source.ec2Enabled) return requireIdentity(record, nodeinfoDir).id;

  const { readInstanceMetadata } = await import('../sinks/ec2/imds');
  let instanceId: string;
  try {
    ({ instanceId } = await readInstanceMetadata());
  } catch (error) {
    throw new NodegridError('E_NO_IDENTITY', `no instance id: ${NODEINFO_FILES.id} is missing in ${nodeinfoDir} and ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'set it with: nodegrid init --id <id> (or set ec2.enabled: false on nodes outside EC2)',
    });
  }
  writeInstanceId(nodeinfoDir, instanceId);
  source.log.write(`instance id ${instanceId} read from EC2 instance metadata and written to ${NODEINFO_FILES.id}`);
  return instanceId;
}
