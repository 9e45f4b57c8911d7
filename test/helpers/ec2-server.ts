import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for EC2 on 127.0.0.1, faithful to the documented wire formats so
 * the real AWS SDK can be pointed at it (AWS_ENDPOINT_URL_EC2):
 *
 * - the EC2 Query API: form-encoded POSTs (Action=CreateTags&Version=2016-11-15
 *   &ResourceId.1=…&Tag.1.Key=…&Tag.1.Value=…), XML answers in the
 *   http://ec2.amazonaws.com/doc/2016-11-15/ namespace with a <requestId>, and
 *   EC2's error document <Response><Errors><Error><Code>…</Code><Message>…
 *   </Message></Error></Errors><RequestID>…</RequestID></Response> with EC2's
 *   HTTP statuses (AuthFailure 401, RequestLimitExceeded 503, the rest 400);
 * - SigV4: a request without "Authorization: AWS4-HMAC-SHA256 Credential=…" or
 *   with another access key id is an AuthFailure;
 * - IMDSv2 on the same port: PUT /latest/api/token with a TTL header, GETs only
 *   with the token (401 without); spot/instance-action and
 *   autoscaling/target-lifecycle-state answer 404 until a test sets them;
 * - the Auto Scaling Query API on the same port, told apart by the SigV4
 *   credential scope's service (autoscaling): Version=2011-01-01, lists as
 *   InstanceIds.member.N, XML answers <ActionResponse xmlns="http://autoscaling.
 *   amazonaws.com/doc/2011-01-01/"><ActionResult>…</ActionResult><ResponseMetadata>
 *   <RequestId>…</RequestId></ResponseMetadata></ActionResponse>, and the Query
 *   error document <ErrorResponse xmlns="…"><Error><Type>Sender</Type><Code>
 *   ValidationError</Code><Message>…</Message></Error><RequestId>…</RequestId>
 *   </ErrorResponse> (Throttling 400, ResourceContention 500, the rest 400).
 *   A lifecycle action is active for each of a group's hooks from when the
 *   test sets a leaving target lifecycle state until it is completed.
 */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const AUTOSCALING_NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

export interface StandInInstance {
  id: string;
  state: 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
  tags: Map<string, string>;
  launchTime: Date;
}

export interface Ec2Call {
  /** The SigV4 scope's service: ec2 or autoscaling. */
  service: string;
  action: string;
  params: URLSearchParams;
  status: number;
  /** The region of the SigV4 credential scope. */
  region: string | undefined;
  /** When the answer was sent (epoch ms), for end-to-end timings. */
  at: number;
}

export interface Ec2StandInOptions {
  /** The only access key id accepted (default AKIDEXAMPLE). */
  accessKeyId?: string;
  /** Instances returned per DescribeInstances page at most, whatever MaxResults asks (default 1000). */
  pageSize?: number;
  /** What IMDS answers. */
  metadata?: { instanceId: string; region: string };
}

export interface Ec2StandIn {
  readonly url: string;
  readonly calls: Ec2Call[];
  readonly imdsRequests: string[];
  addInstance(instance: { id: string; state?: StandInInstance['state']; tags?: Record<string, string>; launchTime?: Date }): void;
  tagsOf(id: string): Record<string, string> | undefined;
  /** Answer the next `count` EC2 calls with RequestLimitExceeded. */
  throttleNext(count: number): void;
  /** An instance metadata item under /latest/meta-data/ ('spot/instance-action'), or undefined for 404 again. */
  setMetadataItem(item: string, value: string | undefined): void;
  /** An Auto Scaling group holding these instances, with these (termination) lifecycle hooks. */
  addAutoScalingGroup(group: { name: string; instanceIds: string[]; hooks?: string[] }): void;
  /** What IMDS says of the instance (autoscaling/target-lifecycle-state); a leaving one starts each hook's lifecycle action, as the group does. */
  setTargetLifecycleState(instanceId: string, state: string): void;
  /** Answer the next `count` Auto Scaling calls with Throttling. */
  throttleAutoScalingNext(count: number): void;
  /** The Auto Scaling calls answered, in order. */
  autoScalingCalls(): Ec2Call[];
  close(): Promise<void>;
}

interface Ec2Error {
  status: number;
  code: string;
  message: string;
}

const fail = (status: number, code: string, message: string): Ec2Error => ({ status, code, message });
const TAG_LIMIT = 50;

export async function startEc2StandIn(options: Ec2StandInOptions = {}): Promise<Ec2StandIn> {
  const accessKeyId = options.accessKeyId ?? 'AKIDEXAMPLE';
  const instances = new Map<string, StandInInstance>();
  const calls: Ec2Call[] = [];
  const imdsRequests: string[] = [];
  const tokens = new Set<string>();
  let throttled = 0;
  let autoScalingThrottled = 0;
  const metadataItems = new Map<string, string>();
  const groups = new Map<string, { name: string; instanceIds: string[]; hooks: string[] }>();
  const lifecycleStates = new Map<string, string>();
  /** "instance-id hook" of every lifecycle action waiting for its completion. */
  const activeActions = new Set<string>();

  const handleEc2 = (req: http.IncomingMessage, body: string): { status: number; xml: string; call: Ec2Call } => {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/(ec2|autoscaling)\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/.exec(req.headers.authorization ?? '');
    const call: Ec2Call = { service: auth?.[4] ?? 'ec2', action, params, status: 200, region: auth?.[3], at: 0 };
    if (call.service === 'autoscaling') {
      const answer = handleAutoScaling(req, params, auth![1]!);
      call.status = answer.status;
      return { ...answer, call };
    }
    const respond = (): { status: number; xml: string } => {
      if (!auth || !req.headers['x-amz-date']) return errorXml(fail(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials'));
      if (auth[1] !== accessKeyId) return errorXml(fail(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials'));
      if (req.headers['content-type']?.split(';')[0] !== 'application/x-www-form-urlencoded') return errorXml(fail(400, 'InvalidParameterValue', 'expected a form-encoded body'));
      if (params.get('Version') !== '2016-11-15') return errorXml(fail(400, 'InvalidParameterValue', `unsupported Version ${params.get('Version')}`));
      if (throttled > 0) {
        throttled--;
        return errorXml(fail(503, 'RequestLimitExceeded', 'Request limit exceeded.'));
      }
      const result = ACTIONS[action]?.(params);
      if (!result) return errorXml(fail(400, 'InvalidAction', `The action ${action} is not valid for this web service.`));
      if ('code' in result) return errorXml(result);
      return { status: 200, xml: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${crypto.randomUUID()}</requestId>${result.body}</${action}Response>` };
    };
    const answer = respond();
    call.status = answer.status;
    return { ...answer, call };
  };

  const ACTIONS: Record<string, (p: URLSearchParams) => { body: string } | Ec2Error> = {
    CreateTags(params) {
      const ids = indexed(params, 'ResourceId');
      const tags = tagsFrom(params);
      if (ids.length === 0) return fail(400, 'MissingParameter', 'The request must contain the parameter resourceIdSet');
      for (const { Key, Value } of tags) {
        if (Key.toLowerCase().startsWith('aws:')) return fail(400, 'InvalidParameterValue', 'Tag keys starting with \'aws:\' are reserved for internal use');
        if (Key.length > 128 || Value.length > 256) return fail(400, 'InvalidParameterValue', 'Tag key or value exceeds the maximum length');
      }
      for (const id of ids) {
        if (!/^i-[0-9a-f]{8,17}$/.test(id)) return fail(400, 'InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
        const instance = instances.get(id);
        if (!instance || instance.state === 'terminated') return fail(400, 'InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        const keys = new Set([...instance.tags.keys(), ...tags.map((t) => t.Key)]);
        if (keys.size > TAG_LIMIT) return fail(400, 'TagLimitExceeded', `The number of tags for the resource would exceed the limit of ${TAG_LIMIT}`);
      }
      for (const id of ids) for (const { Key, Value } of tags) instances.get(id)!.tags.set(Key, Value);
      return { body: '<return>true</return>' };
    },
    DescribeInstances(params) {
      const filters = filtersFrom(params);
      const maxResults = params.get('MaxResults');
      if (maxResults !== null && (Number(maxResults) < 5 || Number(maxResults) > 1000)) {
        return fail(400, 'InvalidParameterValue', 'Value for parameter maxResults is invalid. Expecting a value between 5 and 1000.');
      }
      const matched: StandInInstance[] = [];
      for (const instance of instances.values()) {
        const verdict = matchesFilters(instance, filters);
        if (typeof verdict !== 'boolean') return verdict;
        if (verdict) matched.push(instance);
      }
      const start = params.get('NextToken') ? Number(Buffer.from(params.get('NextToken')!, 'base64').toString('utf8')) : 0;
      if (!Number.isInteger(start) || start < 0) return fail(400, 'InvalidPaginationToken', 'The pagination token is invalid');
      const size = Math.min(maxResults === null ? 1000 : Number(maxResults), options.pageSize ?? 1000);
      const page = matched.slice(start, start + size);
      const next = start + size < matched.length ? `<nextToken>${Buffer.from(String(start + size)).toString('base64')}</nextToken>` : '';
      return { body: `<reservationSet>${page.map(reservationXml).join('')}</reservationSet>${next}` };
    },
    DescribeTags(params) {
      const filters = filtersFrom(params);
      const items: string[] = [];
      for (const instance of instances.values()) {
        const ids = filters.find((f) => f.name === 'resource-id')?.values;
        if (ids && !ids.includes(instance.id)) continue;
        for (const [key, value] of instance.tags) {
          items.push(`<item><resourceId>${instance.id}</resourceId><resourceType>instance</resourceType><key>${esc(key)}</key><value>${esc(value)}</value></item>`);
        }
      }
      return { body: `<tagSet>${items.join('')}</tagSet>` };
    },
  };

  const handleAutoScaling = (req: http.IncomingMessage, params: URLSearchParams, keyId: string): { status: number; xml: string } => {
    const action = params.get('Action') ?? '';
    if (keyId !== accessKeyId || !req.headers['x-amz-date']) return queryErrorXml(fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'));
    if (req.headers['content-type']?.split(';')[0] !== 'application/x-www-form-urlencoded') return queryErrorXml(fail(400, 'ValidationError', 'expected a form-encoded body'));
    if (params.get('Version') !== '2011-01-01') return queryErrorXml(fail(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version')}`));
    if (autoScalingThrottled > 0) {
      autoScalingThrottled--;
      return queryErrorXml(fail(400, 'Throttling', 'Rate exceeded'));
    }
    const result = AUTOSCALING_ACTIONS[action]?.(params);
    if (!result) return queryErrorXml(fail(400, 'InvalidAction', `Could not find operation ${action} for version 2011-01-01`));
    if ('code' in result) return queryErrorXml(result);
    return {
      status: 200,
      xml: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${AUTOSCALING_NAMESPACE}"><${action}Result>${result.body}</${action}Result><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    };
  };

  /** The hook's lifecycle action for the instance, or the ValidationError Auto Scaling answers. */
  const lifecycleAction = (params: URLSearchParams): string | Ec2Error => {
    const groupName = params.get('AutoScalingGroupName');
    const hook = params.get('LifecycleHookName');
    const instanceId = params.get('InstanceId');
    if (!groupName || !hook) return fail(400, 'ValidationError', `1 validation error detected: Value null at '${groupName ? 'lifecycleHookName' : 'autoScalingGroupName'}' failed to satisfy constraint: Member must not be null`);
    if (!instanceId && !params.get('LifecycleActionToken')) return fail(400, 'ValidationError', 'Either LifecycleActionToken or InstanceId must be provided');
    const group = groups.get(groupName);
    if (!group?.hooks.includes(hook)) return fail(400, 'ValidationError', `No Lifecycle Hook found for Auto Scaling group ${groupName} with name ${hook}`);
    const key = `${instanceId} ${hook}`;
    if (!activeActions.has(key)) return fail(400, 'ValidationError', `No active Lifecycle Action found with instance ID ${instanceId}`);
    return key;
  };

  const AUTOSCALING_ACTIONS: Record<string, (p: URLSearchParams) => { body: string } | Ec2Error> = {
    DescribeAutoScalingInstances(params) {
      const ids = indexed(params, 'InstanceIds.member');
      if (ids.length > 50) return fail(400, 'ValidationError', 'The number of instance ids that may be passed in is limited to 50');
      const members: string[] = [];
      for (const group of groups.values()) {
        for (const id of group.instanceIds) {
          if (ids.length > 0 && !ids.includes(id)) continue;
          members.push(
            `<member><InstanceId>${id}</InstanceId><InstanceType>t3.micro</InstanceType><AutoScalingGroupName>${esc(group.name)}</AutoScalingGroupName><AvailabilityZone>us-west-2a</AvailabilityZone>` +
              `<LifecycleState>${esc(lifecycleStates.get(id) ?? 'InService')}</LifecycleState><HealthStatus>HEALTHY</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`,
          );
        }
      }
      return { body: `<AutoScalingInstances>${members.join('')}</AutoScalingInstances>` };
    },
    RecordLifecycleActionHeartbeat(params) {
      const action = lifecycleAction(params);
      return typeof action === 'string' ? { body: '' } : action;
    },
    CompleteLifecycleAction(params) {
      const result = params.get('LifecycleActionResult');
      if (result !== 'CONTINUE' && result !== 'ABANDON') return fail(400, 'ValidationError', `Invalid LifecycleActionResult: ${result ?? 'null'}; valid values are CONTINUE and ABANDON`);
      const action = lifecycleAction(params);
      if (typeof action !== 'string') return action;
      activeActions.delete(action);
      const instanceId = params.get('InstanceId')!;
      if (lifecycleStates.get(instanceId) === 'Terminating:Wait') lifecycleStates.set(instanceId, 'Terminating:Proceed');
      return { body: '' };
    },
  };

  const handleImds = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    imdsRequests.push(`${req.method} ${req.url}`);
    if (!options.metadata) return void res.writeHead(404).end();
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return void res.writeHead(400).end();
      const token = crypto.randomBytes(24).toString('base64');
      tokens.add(token);
      return void res.writeHead(200, { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) }).end(token);
    }
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (!tokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) return void res.writeHead(401).end();
    const answers: Record<string, string> = { '/latest/meta-data/instance-id': options.metadata.instanceId, '/latest/meta-data/placement/region': options.metadata.region };
    // Instance tags, as IMDS serves them when the launch template allows tags in metadata.
    for (const [key, value] of instances.get(options.metadata.instanceId)?.tags ?? []) answers[`/latest/meta-data/tags/instance/${key}`] = value;
    for (const [item, value] of metadataItems) answers[`/latest/meta-data/${item}`] = value;
    const answer = answers[req.url ?? ''];
    if (answer === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(answer);
  };

  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/latest/')) return handleImds(req, res);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const { status, xml, call } = handleEc2(req, body);
      call.at = Date.now();
      calls.push(call);
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' }).end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    imdsRequests,
    addInstance(instance) {
      instances.set(instance.id, {
        id: instance.id,
        state: instance.state ?? 'running',
        tags: new Map(Object.entries(instance.tags ?? {})),
        launchTime: instance.launchTime ?? new Date(),
      });
    },
    tagsOf(id) {
      const instance = instances.get(id);
      return instance ? Object.fromEntries(instance.tags) : undefined;
    },
    throttleNext(count) {
      throttled = count;
    },
    setMetadataItem(item, value) {
      if (value === undefined) metadataItems.delete(item);
      else metadataItems.set(item, value);
    },
    addAutoScalingGroup(group) {
      groups.set(group.name, { name: group.name, instanceIds: [...group.instanceIds], hooks: [...(group.hooks ?? [])] });
    },
    setTargetLifecycleState(instanceId, state) {
      if (options.metadata?.instanceId === instanceId) metadataItems.set('autoscaling/target-lifecycle-state', state);
      const group = [...groups.values()].find((candidate) => candidate.instanceIds.includes(instanceId));
      if (state === 'Terminated' || state.startsWith('Warmed:')) {
        // The group waits in Terminating:Wait on each hook until it is completed (or times out).
        lifecycleStates.set(instanceId, group && group.hooks.length > 0 ? 'Terminating:Wait' : 'Terminating');
        for (const hook of group?.hooks ?? []) activeActions.add(`${instanceId} ${hook}`);
      } else lifecycleStates.set(instanceId, state);
    },
    throttleAutoScalingNext(count) {
      autoScalingThrottled = count;
    },
    autoScalingCalls: () => calls.filter((call) => call.service === 'autoscaling'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function errorXml(error: Ec2Error): { status: number; xml: string } {
  return {
    status: error.status,
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${esc(error.code)}</Code><Message>${esc(error.message)}</Message></Error></Errors><RequestID>${crypto.randomUUID()}</RequestID></Response>`,
  };
}

/** The Query protocol's error document, as Auto Scaling sends it (EC2 has its own, above). */
function queryErrorXml(error: Ec2Error): { status: number; xml: string } {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: error.status,
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${AUTOSCALING_NAMESPACE}"><Error><Type>${type}</Type><Code>${esc(error.code)}</Code><Message>${esc(error.message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
  };
}

/** "ResourceId.1", "ResourceId.2" …: the Query API's list encoding. */
function indexed(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) out.push(params.get(`${prefix}.${i}`)!);
  return out;
}

function tagsFrom(params: URLSearchParams): Array<{ Key: string; Value: string }> {
  const out: Array<{ Key: string; Value: string }> = [];
  for (let i = 1; params.has(`Tag.${i}.Key`); i++) out.push({ Key: params.get(`Tag.${i}.Key`)!, Value: params.get(`Tag.${i}.Value`) ?? '' });
  return out;
}

function filtersFrom(params: URLSearchParams): Array<{ name: string; values: string[] }> {
  const out: Array<{ name: string; values: string[] }> = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) out.push({ name: params.get(`Filter.${i}.Name`)!, values: indexed(params, `Filter.${i}.Value`) });
  return out;
}

function matchesFilters(instance: StandInInstance, filters: Array<{ name: string; values: string[] }>): boolean | Ec2Error {
  for (const { name, values } of filters) {
    let value: string | undefined;
    if (name.startsWith('tag:')) value = instance.tags.get(name.slice(4));
    else if (name === 'instance-state-name') value = instance.state;
    else if (name === 'instance-id') value = instance.id;
    else if (name === 'tag-key') value = values.find((key) => instance.tags.has(key));
    else return fail(400, 'InvalidParameterValue', `The filter '${name}' is invalid`);
    if (value === undefined || !values.includes(value)) return false;
  }
  return true;
}

const STATE_CODES: Record<StandInInstance['state'], number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

function reservationXml(instance: StandInInstance): string {
  const tags = [...instance.tags].map(([key, value]) => `<item><key>${esc(key)}</key><value>${esc(value)}</value></item>`).join('');
  return (
    `<item><reservationId>r-${instance.id.slice(2)}</reservationId><ownerId>123456789012</ownerId><groupSet/>` +
    `<instancesSet><item><instanceId>${instance.id}</instanceId><imageId>ami-0abcdef1234567890</imageId>` +
    `<instanceState><code>${STATE_CODES[instance.state]}</code><name>${instance.state}</name></instanceState>` +
    `<instanceType>t3.micro</instanceType><launchTime>${instance.launchTime.toISOString()}</launchTime>` +
    `${tags ? `<tagSet>${tags}</tagSet>` : ''}</item></instancesSet></item>`
  );
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The AWS documentation's example key pair: never real, and the secret has the shape src/core/secrets.ts redacts. */
export const TEST_ACCESS_KEY_ID = 'AKIDEXAMPLE';
export const TEST_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

/**
 * The environment for a nodegrid process that talks to the stand-in and nowhere
 * else: endpoints on 127.0.0.1, credentials from env, no shared AWS config files.
 */
export function awsEnvFor(server: Ec2StandIn, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY,
    AWS_REGION: 'us-west-2',
    AWS_ENDPOINT_URL_EC2: server.url,
    AWS_ENDPOINT_URL_AUTO_SCALING: server.url,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: server.url,
    AWS_CONFIG_FILE: '/nonexistent/nodegrid-test/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/nodegrid-test/aws-credentials',
    ...extra,
  };
}
