import http from 'node:http';
import { errorMessage } from '../../core/errors';

/**
 * The instance metadata service, IMDSv2 only: a session token from
 * PUT /latest/api/token, then GETs carrying it (IMDSv1 is off on hardened
 * instances). Plain node:http, no SDK: asking who we are must stay cheap.
 * Off EC2 the address does not answer at all, so the whole lookup is bounded.
 */
export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
const TOKEN_TTL_SECONDS = 60;
export const IMDS_TIMEOUT_MS = 1000;

export interface InstanceMetadata {
  readonly instanceId: string;
  readonly region: string;
}

export class ImdsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImdsUnavailableError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** AWS_EC2_METADATA_SERVICE_ENDPOINT, as the SDKs honour it (VPC tests, LocalStack, stand-ins). */
export function imdsEndpoint(env: Env = process.env): string {
  return (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_IMDS_ENDPOINT).replace(/\/+$/, '');
}

export async function readInstanceMetadata(options: { env?: Env; timeoutMs?: number } = {}): Promise<InstanceMetadata> {
  const items = await readMetadataItems(['/latest/meta-data/instance-id', '/latest/meta-data/placement/region'], options);
  const [instanceId, region] = items.map((item, i) => {
    if (item === undefined) throw new ImdsUnavailableError(`the EC2 instance metadata service at ${imdsEndpoint(options.env ?? process.env)} has no ${i === 0 ? 'instance-id' : 'placement/region'}: not running on EC2?`);
    return item.trim();
  });
  return { instanceId: instanceId!, region: region! };
}

/**
 * Several metadata items in one session, within one time bound: the text of
 * each, or undefined where IMDS answers 404 (the documented "nothing to say" of
 * spot/instance-action and autoscaling/target-lifecycle-state).
 */
export async function readMetadataItems(paths: readonly string[], options: { env?: Env; timeoutMs?: number } = {}): Promise<Array<string | undefined>> {
  const env = options.env ?? process.env;
  const endpoint = imdsEndpoint(env);
  const timeoutMs = options.timeoutMs ?? IMDS_TIMEOUT_MS;
  if ((env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() === 'true') {
    throw new ImdsUnavailableError('instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)');
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const token = await request(`${endpoint}/latest/api/token`, 'PUT', { 'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) }, signal);
    if (token === undefined) throw new Error('PUT /latest/api/token answered HTTP 404');
    const headers = { 'x-aws-ec2-metadata-token': token };
    return await Promise.all(paths.map((item) => request(`${endpoint}${item}`, 'GET', headers, signal)));
  } catch (error) {
    const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : errorMessage(error);
    throw new ImdsUnavailableError(`the EC2 instance metadata service at ${endpoint} is not reachable (${reason}): not running on EC2?`);
  }
}

const MAX_BODY = 4096;

/** The body of a 200, undefined for a 404; anything else is an error. */
function request(url: string, method: 'GET' | 'PUT', headers: Record<string, string>, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, signal, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) req.destroy(new Error(`${url} answered with more than ${MAX_BODY} bytes`));
      });
      res.on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else if (res.statusCode === 404) resolve(undefined);
        else reject(new Error(`${method} ${new URL(url).pathname} answered HTTP ${res.statusCode}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
