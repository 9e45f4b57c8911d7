import { sleep } from '../sys/sleep';

/**
 * `nodegrid agent`: beat every interval until SIGTERM or SIGINT, then let the
 * caller finish (flush) and exit. A beat in progress is never cut short: the
 * signal only ends the wait between beats.
 */
export interface AgentLoop {
  readonly intervalMs: number;
  beat(): Promise<void>;
  readonly stopOn?: readonly NodeJS.Signals[] | undefined;
}

export async function runAgent(agent: AgentLoop): Promise<void> {
  const stopped = new AbortController();
  const stop = (): void => stopped.abort();
  const signals = agent.stopOn ?? ['SIGTERM', 'SIGINT'];
  for (const signal of signals) process.on(signal, stop);
  try {
    while (!stopped.signal.aborted) {
      const started = Date.now();
      await agent.beat();
      // The next beat an interval after this one started, however long it took.
      await sleep(Math.max(0, agent.intervalMs - (Date.now() - started)), stopped.signal);
    }
  } finally {
    for (const signal of signals) process.off(signal, stop);
  }
}
