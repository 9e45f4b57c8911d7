import { NodegridError } from '../../core/errors';
import { ImdsUnavailableError, readInstanceMetadata } from './imds';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * ec2.region, then the standard AWS environment and profile (read by the
 * caller's own SDK client, so each SDK chunk loads only itself), then the
 * instance's own region from IMDS.
 */
export async function resolveRegion(configured: string | undefined, env: Env, regionFromProfile: () => Promise<string | undefined>): Promise<string> {
  const fromEnv = configured || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  try {
    const fromProfile = await regionFromProfile();
    if (fromProfile) return fromProfile;
  } catch {
    /* no region in the shared config: ask the instance */
  }
  try {
    return (await readInstanceMetadata({ env })).region;
  } catch (error) {
    const why = error instanceof ImdsUnavailableError ? error.message : String(error);
    throw new NodegridError('E_CONFIG', `no AWS region: not in ec2.region, AWS_REGION or the AWS profile, and ${why}`, {
      hint: 'set ec2.region in the config or AWS_REGION',
    });
  }
}
