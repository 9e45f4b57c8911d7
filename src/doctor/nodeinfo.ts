import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors';
import { NODEINFO_FILES, readNodeRecord } from '../node/nodeinfo';
import { ok, problem, type CheckResult } from './check';

/** The nodeinfo folder is there and readable, and instance-id.txt holds a valid id. */
export function checkNodeinfo(dir: string, ec2Enabled: boolean): CheckResult {
  const name = 'nodeinfo';
  if (!fs.existsSync(dir)) return problem(name, `${dir} does not exist`, 'write the identity with: nodegrid init --id <id> --deployment D --nodepart P --stacktype S');
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    const record = readNodeRecord(dir);
    const id = record.identity.id;
    if (id === undefined) {
      const invalid = record.problems.find((p) => p.startsWith(NODEINFO_FILES.id));
      if (invalid) return problem(name, path.join(dir, invalid), 'fix it with: nodegrid init --id <id> --force');
      // On EC2 the id comes from instance metadata on the next state set or tick.
      if (ec2Enabled) return ok(name, `${NODEINFO_FILES.id} not written yet in ${dir}; the next state set or tick reads it from EC2 instance metadata`);
      return problem(name, `${path.join(dir, NODEINFO_FILES.id)} is missing`, 'set it with: nodegrid init --id <id> (or enable ec2 to read it from instance metadata)');
    }
    if (record.problems.length > 0) return problem(name, `${dir}: ${record.problems.join('; ')}`, 'fix the named file (nodegrid init rewrites the identity files)');
    const dna = [record.identity.deployment, record.identity.nodepart].filter(Boolean).join('/');
    return ok(name, `${id}${dna ? ` (${dna})` : ''}, ${record.state ? `state ${record.state}` : 'no state yet'}, in ${dir}`);
  } catch (error) {
    return problem(name, `${dir} cannot be read: ${errorMessage(error)}`, 'run nodegrid as the user that owns the folder (root for /root/nodeinfo)');
  }
}
