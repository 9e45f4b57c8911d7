import { isSettingUp, RETIRED_STATE } from '../core/health';
import { normalizeState } from '../core/lifecycle';
import { parseTss } from '../core/time';
import { hasPrefixedTag, isEc2InstanceId, type CloudInstance } from '../core/cloud';

export type { CloudInstance } from '../core/cloud';

/**
 * The cloud against presence (`nodegrid audit`): plain values in, findings
 * out, `now` a parameter. Each instance is listed at most once, under the
 * first kind that fits, in the order below.
 *
 * - zombie: running in the cloud, known to be ours (a presence document or an
 *   add: tag) but never reached setup, or stuck in presetup/setup past the deadline
 * - ghost: presence says alive, the instance is terminated or unknown to EC2
 * - untracked: running with no add: tags at all (nothing says it is ours)
 * - mismatched: the add:state tag disagrees with the presence document
 */
export const FINDING_KINDS = ['zombie', 'ghost', 'untracked', 'mismatched'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface PresenceNode {
  readonly id: string;
  readonly state?: string | undefined;
  readonly statetss?: string | undefined;
  readonly deployment?: string | undefined;
}

export interface Finding {
  readonly kind: FindingKind;
  readonly id: string;
  readonly cloudState: string | null;
  readonly presenceState: string | null;
  readonly tagState: string | null;
  readonly detail: string;
}

export interface AuditInput {
  readonly instances: readonly CloudInstance[];
  readonly presence: readonly PresenceNode[];
  readonly tagPrefix: string;
  readonly zombieAfterMs: number;
  /** grid.deployments.<name>.zombieAfterMinutes, in ms, by deployment (presence's, else the instance's deployment tag). */
  readonly zombieAfterMsByDeployment?: ReadonlyMap<string, number> | undefined;
  /** The lifecycle's setting-up states (core/lifecycle.ts settingUpStates); presetup and setup when not given. */
  readonly settingUp?: ReadonlySet<string> | undefined;
  readonly now: number;
  /** Only this deployment (EC2 was filtered by tag; presence is filtered here). */
  readonly deployment?: string | undefined;
}

export interface AuditReport {
  readonly findings: Finding[];
  readonly counts: Record<FindingKind, number>;
  readonly instances: number;
  readonly presence: number;
}

const RUNNING = new Set(['pending', 'running']);
const GONE = new Set(['shutting-down', 'terminated']);

export function auditFleet(input: AuditInput): AuditReport {
  const presence = input.presence.filter((node) => input.deployment === undefined || node.deployment === input.deployment);
  const byId = new Map(presence.map((node) => [node.id, node]));
  const findings: Finding[] = [];

  for (const instance of input.instances) {
    const node = byId.get(instance.id);
    const finding = classifyInstance(instance, node, input);
    if (finding) findings.push(finding);
  }

  const cloudIds = new Set(input.instances.map((instance) => instance.id));
  for (const node of presence) {
    const state = node.state === undefined ? undefined : normalizeState(node.state);
    // Only EC2-shaped ids: a grid may mix in Vagrant or bare-metal nodes EC2 never knew.
    if (state === RETIRED_STATE || !isEc2InstanceId(node.id) || cloudIds.has(node.id)) continue;
    const scope = input.deployment ? ` among instances tagged ${input.tagPrefix}deployment=${input.deployment}` : '';
    findings.push(finding('ghost', node.id, null, node, null, `presence says ${state ?? 'alive'}, but EC2 does not know this instance${scope}`));
  }

  findings.sort((a, b) => FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind) || a.id.localeCompare(b.id));
  const counts = Object.fromEntries(FINDING_KINDS.map((kind) => [kind, findings.filter((f) => f.kind === kind).length])) as Record<FindingKind, number>;
  return { findings, counts, instances: input.instances.length, presence: presence.length };
}

function classifyInstance(instance: CloudInstance, node: PresenceNode | undefined, input: AuditInput): Finding | undefined {
  const tagState = instance.tags[`${input.tagPrefix}state`] ?? null;
  const presenceState = node?.state === undefined ? undefined : normalizeState(node.state);
  const ours = node !== undefined || hasPrefixedTag(instance.tags, input.tagPrefix);
  const make = (kind: FindingKind, detail: string): Finding => finding(kind, instance.id, instance.state, node, tagState, detail);

  if (GONE.has(instance.state)) {
    if (node && presenceState !== RETIRED_STATE) return make('ghost', `presence says ${presenceState ?? 'alive'}, but the instance is ${instance.state}`);
    return undefined;
  }
  if (RUNNING.has(instance.state) && ours) {
    const zombie = zombieReason(instance, node, presenceState, input);
    if (zombie) return make('zombie', zombie);
  }
  if (RUNNING.has(instance.state) && !hasPrefixedTag(instance.tags, input.tagPrefix)) {
    return make('untracked', node ? `no ${input.tagPrefix} tags, though presence has it (${presenceState ?? 'no state'}): is ec2.enabled on that node?` : `no ${input.tagPrefix} tags and no presence document`);
  }
  if (node && tagState !== null && presenceState !== undefined && normalizeState(tagState) !== presenceState) {
    return make('mismatched', `tag ${input.tagPrefix}state is ${tagState}, presence says ${presenceState}`);
  }
  return undefined;
}

function zombieReason(instance: CloudInstance, node: PresenceNode | undefined, presenceState: string | undefined, input: AuditInput): string | undefined {
  const age = (since: number | undefined): string => (since === undefined ? 'for an unknown time' : `for ${Math.round((input.now - since) / 60_000)} min`);
  const deployment = node?.deployment ?? instance.tags[`${input.tagPrefix}deployment`];
  const deadline = (deployment === undefined ? undefined : input.zombieAfterMsByDeployment?.get(deployment)) ?? input.zombieAfterMs;
  const overdue = (since: number | undefined): boolean => since === undefined || input.now - since > deadline;
  if (!node) {
    return overdue(instance.launchTime) ? `running ${age(instance.launchTime)} and never reported to presence` : undefined;
  }
  if (isSettingUp(presenceState, input.settingUp)) {
    const since = node.statetss ? parseTss(node.statetss)?.getTime() : instance.launchTime;
    return overdue(since) ? `stuck in ${presenceState ?? 'no state'} ${age(since)}` : undefined;
  }
  return undefined;
}

function finding(kind: FindingKind, id: string, cloudState: string | null, node: PresenceNode | undefined, tagState: string | null, detail: string): Finding {
  return { kind, id, cloudState, presenceState: node?.state === undefined ? null : normalizeState(node.state), tagState, detail };
}
