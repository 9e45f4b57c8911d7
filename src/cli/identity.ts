import { readNodeRecord, requireIdentity } from '../node/nodeinfo';
import type { CliContext } from './context';

/**
 * Commands that publish need an instance id. It comes from instance-id.txt;
 * where that is missing the cloud may be asked (EC2 issue) before failing with
 * a message that says how to set it.
 */
export async function ensureInstanceId(context: CliContext): Promise<string> {
  const nodeinfoDir = context.settings.nodeinfoDir.path;
  const record = readNodeRecord(nodeinfoDir);
  return requireIdentity(record, nodeinfoDir).id;
}
