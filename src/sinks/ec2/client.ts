import { CreateTagsCommand, EC2Client, paginateDescribeTags } from '@aws-sdk/client-ec2';
import { resolveRegion } from './region';

/**
 * The one place the AWS SDK client is built. This module imports the SDK
 * statically, so it must itself only ever be loaded with `await import()`:
 * esbuild then puts it and the SDK in a chunk of their own, and `state set`
 * with EC2 off never compiles a line of it.
 *
 * Credentials come from the SDK's default chain (environment, shared
 * config/profile, SSO, instance role); the endpoint from the SDK's own
 * handling of AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL / endpoint_url.
 */
export interface Ec2Connection {
  readonly client: EC2Client;
  readonly region: string;
  /** For messages: the endpoint the SDK will talk to. */
  readonly where: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The sink keeps the SDK's own retries short (one quick retry): beyond that the
 * outbox retries durably with its own backoff. `audit` has no outbox and asks for more.
 */
export async function openEc2(settings: { region?: string | undefined }, options: { maxAttempts?: number; env?: Env } = {}): Promise<Ec2Connection> {
  const env = options.env ?? process.env;
  const region = await resolveRegion(settings.region, env, async () => {
    const probe = new EC2Client({});
    try {
      return await probe.config.region();
    } finally {
      probe.destroy();
    }
  });
  const client = new EC2Client({
    region,
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 15_000 },
  });
  const endpoint = env.AWS_ENDPOINT_URL_EC2 || env.AWS_ENDPOINT_URL;
  return { client, region, where: endpoint ? `${endpoint} (${region})` : `ec2.${region}.amazonaws.com` };
}

export async function createTags(connection: Ec2Connection, instanceId: string, tags: ReadonlyArray<{ Key: string; Value: string }>, signal: AbortSignal): Promise<void> {
  await connection.client.send(new CreateTagsCommand({ Resources: [instanceId], Tags: tags.map((tag) => ({ ...tag })) }), { abortSignal: signal });
}

/** Every tag key on one instance (DescribeTags, paginated): only needed near the 50-tag limit. */
export async function tagKeysOf(connection: Ec2Connection, instanceId: string, signal: AbortSignal): Promise<string[]> {
  const keys: string[] = [];
  const pages = paginateDescribeTags({ client: connection.client, pageSize: 1000 }, { Filters: [{ Name: 'resource-id', Values: [instanceId] }] });
  for await (const page of pages) {
    if (signal.aborted) throw Object.assign(new Error('aborted at the delivery deadline'), { name: 'AbortError' });
    for (const tag of page.Tags ?? []) if (tag.Key !== undefined) keys.push(tag.Key);
  }
  return keys;
}
