import fs from 'node:fs';
import path from 'node:path';
import { errorMessage, NodegridError } from '../core/errors';
import type { AnsweredRequest } from '../heartbeat/requests';
import { readNodeRecord } from '../node/nodeinfo';
import { recordStateChange } from '../node/record';
import { openPresenceFileWriter } from '../presence/file-writer';
import { formatOutcome, outcomePath, readRequests, type NodeRequest, type Outcome } from '../presence/requests';
import type { PresenceSource } from '../presence/source';
import { acquireLock } from '../sys/lock';
import type { CliContext } from './context';
import { runDelivery } from './delivery';
import { leaveEnvironment } from './leave';

/**
 * The CLI side of answering requests on a beat (heartbeat/requests.ts decides):
 * where this node's requests are read (its own presence clone, already fetched
 * by the beat's delivery, or the bucket), what each action does (the same
 * steps as `nodegrid drain`, `decommission`, `state set running`), and where
 * the outcome goes. Answers once per request; anything that fails is logged,
 * never a reason for the beat to fail.
 */
const DEFAULT_DEADLINE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 10_000;
const OUTCOME_TIMEOUT_MS = 15_000;

/**
 * `presenceFresh`: this beat's delivery fetched presence.branch and landed
 * (beats share the branch), so the clone already holds the tip and no
 * second fetch is needed; otherwise the tip is fetched here.
 */
export async function answerPresenceRequests(context: CliContext, repoDir: string, presenceFresh: boolean): Promise<AnsweredRequest[]> {
  const { config } = context.settings;
  if (!config.heartbeat.answerRequests) return [];
  const node = readNodeRecord(context.settings.nodeinfoDir.path).identity.id;
  if (node === undefined) return [];
  const opened = await requestSource(context, presenceFresh);
  if (!opened) return [];
  const { source } = opened;
  let lock;
  try {
    // One answering tick at a time; a drain running in an earlier tick keeps the others out.
    lock = await acquireLock(path.join(context.home.locksDir, 'requests.lock'), { timeoutMs: 0, what: 'the requests lock' });
  } catch {
    opened.close();
    return [];
  }
  try {
    const { answerRequests } = await import('../heartbeat/requests');
    const answered = await answerRequests({
      homeDir: context.home.root,
      list: () => readRequests(source, node).catch((error: unknown) => {
        context.log.write(`requests: not read (${errorMessage(error)})`);
        return { requests: [], problems: [] };
      }),
      act: (request) => act(context, repoDir, request),
      state: () => readNodeRecord(context.settings.nodeinfoDir.path).state ?? null,
      writeOutcome: async (outcome) => {
        const writer = await openPresenceFileWriter({ presence: config.presence, homeDir: context.home.root });
        try {
          await writer.write([{ path: outcomePath(node, outcome.request), content: formatOutcome(outcome) }], `${node}: ${outcome.outcome} request ${outcome.request}\n\n${outcome.note}`, { timeoutMs: OUTCOME_TIMEOUT_MS, log: (line) => context.log.write(`requests: ${line}`) });
        } finally {
          await writer.close();
        }
      },
      log: (line) => context.log.write(line),
    });
    // What acting changed reaches every sink in this beat, not the next.
    if (answered.some((answer) => answer.acted)) await runDelivery(context, OUTCOME_TIMEOUT_MS, false);
    return answered;
  } finally {
    opened.close();
    await lock.release();
  }
}

/** Where this node's requests are: the bucket, or its own clone of presence.branch (fetched here unless the beat's delivery just did). */
async function requestSource(context: CliContext, presenceFresh: boolean): Promise<{ source: PresenceSource; close: () => void } | undefined> {
  const { presence } = context.settings.config;
  if (presence.backend === 's3' && presence.s3) {
    const { openS3Presence } = await import('../presence/s3/reader');
    const { source, connection } = openS3Presence(presence.s3);
    // The client's sockets would otherwise keep the tick's process alive until they time out.
    return { source, close: () => connection.client.destroy() };
  }
  const [{ cloneDirFor, presenceRemotes }, { gitSource }, { fetchBranch, trackingRef, withCloneLock }] = await Promise.all([import('../presence/git/remotes'), import('../presence/source'), import('../presence/git/clone')]);
  const remote = presenceRemotes(presence)[0];
  if (!remote) return undefined;
  const gitDir = cloneDirFor(context.home.root, remote.name);
  // No clone yet: the node has delivered nothing, so nobody has had a chance to ask it anything it could answer.
  if (!fs.existsSync(path.join(gitDir, 'HEAD'))) return undefined;
  if (!presenceFresh || (presence.heartbeat.branch ?? presence.branch) !== presence.branch) {
    try {
      await withCloneLock(gitDir, FETCH_TIMEOUT_MS, () => fetchBranch({ gitDir, remote, deadline: Date.now() + FETCH_TIMEOUT_MS, commandTimeoutMs: FETCH_TIMEOUT_MS }, presence.branch, { incremental: true }));
    } catch (error) {
      context.log.write(`requests: ${presence.branch} not fetched (${errorMessage(error)}); reading what the clone has`);
    }
  }
  const ref = trackingRef(presence.branch);
  if (!fs.existsSync(path.join(gitDir, ref)) && !fs.existsSync(path.join(gitDir, 'packed-refs'))) return undefined;
  return { source: gitSource(gitDir, ref, { secrets: remote.secrets, timeoutMs: FETCH_TIMEOUT_MS }), close: () => undefined };
}

/** What a request does, with who asked in every note (chat says who asked). */
async function act(context: CliContext, repoDir: string, request: NodeRequest): Promise<{ outcome: Outcome; note: string }> {
  const asked = `${request.action} requested by ${request.by}${request.note ? `: ${request.note}` : ''} (request ${request.id})`;
  // Read once: the steps below record every change themselves, and only their results matter after.
  const current = readNodeRecord(context.settings.nodeinfoDir.path).state;
  const deadlineMs = (request.deadlineSeconds ?? 0) * 1000 || DEFAULT_DEADLINE_MS;
  const { DRAIN, DECOMMISSION, leaveStep } = await import('../heartbeat/leave');
  const started = Date.now();
  const steps = leaveEnvironment(context, repoDir, () => false);
  const drain = async (): Promise<{ outcome: Outcome; note: string } | undefined> => {
    if (current === 'drained') return undefined;
    const result = await leaveStep(steps, DRAIN, { deadlineMs, forceAfter: false, note: asked });
    return result.left ? undefined : { outcome: 'failed', note: result.note };
  };
  switch (request.action) {
    case 'drain': {
      if (current === 'decommissioned') return { outcome: 'refused', note: 'the node is decommissioned' };
      if (current === 'drained') return { outcome: 'done', note: 'already drained' };
      return (await drain()) ?? { outcome: 'done', note: `drained in ${Math.round((Date.now() - started) / 1000)} s` };
    }
    case 'decommission': {
      if (current === 'decommissioned') return { outcome: 'done', note: 'already decommissioned' };
      const failed = await drain();
      if (failed) return failed;
      const result = await leaveStep(steps, DECOMMISSION, { deadlineMs: Math.max(5000, deadlineMs - (Date.now() - started)), forceAfter: false, note: asked });
      return result.left ? { outcome: 'done', note: result.note } : { outcome: 'failed', note: result.note };
    }
    case 'undrain': {
      if (current !== 'draining' && current !== 'drained') return { outcome: 'refused', note: `the node is ${current ?? 'in no state'}, not draining or drained` };
      try {
        await recordStateChange(context.recordContext({ badLabels: 'skip' }), { to: 'running', note: asked, force: false });
        return { outcome: 'done', note: `${current} -> running` };
      } catch (error) {
        if (error instanceof NodegridError && error.code === 'E_ILLEGAL_TRANSITION') return { outcome: 'refused', note: error.message };
        throw error;
      }
    }
  }
}
