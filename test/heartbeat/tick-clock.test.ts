import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTick, type TickEnvironment } from '../../src/heartbeat/tick';
import { movedClock } from '../helpers/clock';

/**
 * The beat's time decisions — whether a heartbeat is due, how long delivery
 * may take, how long the jitter slept — on a clock the test moves. The beat
 * runs for real (locks, the work-state file, an empty repo folder); only the
 * recording and delivery it hands out are counted here.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-tick-clock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const START = Date.parse('2026-12-01T12:00:10Z');

let n = 0;
function beatingNode(options: { everyMinutes?: number; jitterSeconds?: number; skipJitter?: boolean } = {}) {
  const root = path.join(dir, `node-${++n}`);
  fs.mkdirSync(path.join(root, 'repos'), { recursive: true });
  const clock = movedClock(START);
  const beats: number[] = [];
  const budgets: number[] = [];
  const env: TickEnvironment = {
    homeDir: root,
    locksDir: path.join(root, 'locks'),
    repoDir: path.join(root, 'repos'),
    heartbeat: { intervalSeconds: 60, jitterSeconds: options.jitterSeconds ?? 0, workTimeoutSeconds: 600, wedgeAfterFailures: 3, noWorkStates: ['draining', 'drained', 'decommissioned'], answerRequests: true },
    beatEveryMinutes: options.everyMinutes ?? 1,
    log: { write: () => undefined, redact: (text: string) => text },
    identity: () => ({ node: { id: 'i-clock' }, state: 'running' }),
    wedge: async () => undefined,
    notify: async () => undefined,
    wantsHeartbeats: true,
    recordHeartbeat: async () => void beats.push(clock.now() - START),
    deliver: async (budgetMs) => {
      budgets.push(budgetMs);
      return [];
    },
    skipJitter: options.skipJitter ?? true,
    leaveSignals: async () => ({ signals: [], heard: [] }),
    leave: async () => {
      throw new Error('nothing asks this node to leave');
    },
    clock,
  };
  return { env, clock, beats, budgets };
}

describe('the beat on a moved clock', () => {
  it('beats once per UTC minute: a second tick in the same minute records nothing, the next minute beats again', async () => {
    const { env, clock, beats } = beatingNode();
    expect((await runTick(env)).beat).toBe(true);
    clock.advance(20_000); // 12:00:30, same minute
    expect((await runTick(env)).beat).toBe(false);
    clock.advance(30_000); // 12:01:00
    expect((await runTick(env)).beat).toBe(true);
    expect(beats).toEqual([0, 50_000]);
  });

  it('keeps to presence.heartbeat.everyMinutes', async () => {
    const { env, clock, beats } = beatingNode({ everyMinutes: 5 });
    for (let minute = 0; minute < 11; minute++) {
      await runTick(env);
      clock.advance(60_000);
    }
    expect(beats).toEqual([0, 300_000, 600_000]);
  });

  it('sleeps its stable jitter on the clock, and gives delivery what is left of the minute less a margin', async () => {
    const { env, clock, budgets } = beatingNode({ jitterSeconds: 30, skipJitter: false });
    const result = await runTick(env);
    expect(clock.slept).toHaveLength(1);
    expect(result.jitterMs).toBe(clock.slept[0]);
    expect(clock.slept[0]).toBeLessThanOrEqual(30_000);
    expect(budgets).toEqual([Math.max(1000, 60_000 - clock.slept[0]! - 5000)]);
    // The same node sleeps the same jitter every minute, so its beats stay a minute apart.
    await runTick(env);
    expect(clock.slept[1]).toBe(clock.slept[0]);
  });
});
