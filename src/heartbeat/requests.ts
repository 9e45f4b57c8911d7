import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors';
import { REQUEST_EXPIRES_MS, type NodeRequest, type Outcome, type RequestOutcome, type RequestStatus } from '../presence/requests';
import { readTextIfExists, writeFileAtomic } from '../sys/files';

/**
 * A node answering the requests written for it in presence, once per beat:
 * each open request is acted on once (the answers are kept under
 * $NODEGRID_HOME/requests/, so a second tick, or a tick after a lost outcome
 * write, never acts again), and its outcome is written beside it until the
 * write lands. What acting means (drain, decommission, undrain) and where
 * requests live come in as functions: this knows neither the CLI nor a store.
 */
export interface RequestEnvironment {
  readonly homeDir: string;
  /** The node's own requests, with the outcomes presence already holds. */
  list(): Promise<{ requests: readonly RequestStatus[]; problems: readonly string[] }>;
  /** Acts on one request; what came of it. Throwing counts as failed. */
  act(request: NodeRequest): Promise<{ outcome: Outcome; note: string }>;
  /** The node's state, after acting. */
  state(): string | null;
  writeOutcome(outcome: RequestOutcome): Promise<void>;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

export interface AnsweredRequest {
  readonly request: NodeRequest;
  readonly outcome: RequestOutcome;
  /** True when this tick acted; false when it only wrote an earlier answer again. */
  readonly acted: boolean;
  /** Whether the outcome reached presence this tick. */
  readonly published: boolean;
}

export async function answerRequests(env: RequestEnvironment): Promise<AnsweredRequest[]> {
  const now = env.now ?? Date.now;
  const { requests, problems } = await env.list();
  for (const problem of problems) env.log(`requests: skipped ${problem}`);
  const answers = readAnswers(env.homeDir);
  const answered: AnsweredRequest[] = [];
  for (const { request, outcome: published } of requests) {
    if (published) continue;
    let outcome = answers.get(request.id);
    const acted = outcome === undefined;
    if (outcome === undefined) {
      outcome = await decide(env, request, now);
      // Kept before it is published: a failed write is retried next beat, the action is not.
      answers.set(request.id, outcome);
      writeAnswers(env.homeDir, answers, now());
    }
    let reached = false;
    try {
      await env.writeOutcome(outcome);
      reached = true;
    } catch (error) {
      env.log(`requests: the outcome of ${request.id} is not in presence yet (${errorMessage(error)}); written again next beat`);
    }
    answered.push({ request, outcome, acted, published: reached });
  }
  return answered;
}

async function decide(env: RequestEnvironment, request: NodeRequest, now: () => number): Promise<RequestOutcome> {
  const base = { request: request.id, node: request.node };
  const age = now() - Date.parse(request.at);
  if (age > REQUEST_EXPIRES_MS) {
    env.log(`requests: ${request.id} (${request.action} by ${request.by}) is older than a day: not acted on`);
    return { ...base, outcome: 'expired', state: env.state(), note: `asked ${request.at}, more than a day before this node saw it`, at: new Date(now()).toISOString() };
  }
  env.log(`requests: ${request.action} asked by ${request.by} (${request.id})`);
  let result: { outcome: Outcome; note: string };
  try {
    result = await env.act(request);
  } catch (error) {
    result = { outcome: 'failed', note: errorMessage(error) };
  }
  env.log(`requests: ${request.id} ${result.outcome}: ${result.note}`);
  return { ...base, outcome: result.outcome, state: env.state(), note: result.note, at: new Date(now()).toISOString() };
}

/** Answers are forgotten a while after requests expire: by then presence holds them, or nobody waits for them. */
const KEEP_ANSWERS_MS = 7 * 24 * 3600 * 1000;

function answersFile(homeDir: string): string {
  return path.join(homeDir, 'requests', 'answered.json');
}

function readAnswers(homeDir: string): Map<string, RequestOutcome> {
  const text = readTextIfExists(answersFile(homeDir));
  if (text === undefined) return new Map();
  try {
    const data = JSON.parse(text) as Record<string, Partial<RequestOutcome> | null>;
    return new Map(Object.entries(data).filter((entry): entry is [string, RequestOutcome] => typeof entry[1]?.outcome === 'string' && typeof entry[1].at === 'string'));
  } catch {
    // Half-written is impossible (written atomically); a hand-edited file is started again, and presence's outcomes still stop a second act.
    return new Map();
  }
}

function writeAnswers(homeDir: string, answers: Map<string, RequestOutcome>, now: number): void {
  const kept = [...answers].filter(([, outcome]) => now - Date.parse(outcome.at) < KEEP_ANSWERS_MS);
  fs.mkdirSync(path.dirname(answersFile(homeDir)), { recursive: true });
  writeFileAtomic(answersFile(homeDir), `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`);
}
