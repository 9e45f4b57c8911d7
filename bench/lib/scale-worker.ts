// One worker process of `npm run bench -- scale`: runs nodegrid's own CLI code
// in-process (the same `main()` that `nodegrid presence heartbeat` runs, from
// config loading to outbox to sink) for a share of the simulated nodes, each
// with its own nodeinfo, home and config. In-process because 5,000 process
// starts a minute would need more cores than the machine has; everything
// after the process start is the real path. Bundled by bench/scenarios/scale.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { stableJitterMs } from '../../src/heartbeat/jitter';
import { SinkQueue } from '../../src/outbox/queue';

interface SimNode {
  readonly id: string;
  readonly root: string;
}

interface SetupMessage {
  readonly type: 'setup';
  readonly nodes: readonly SimNode[];
  readonly config: unknown;
  readonly sink: string;
}

interface RunMessage {
  readonly type: 'run';
  readonly startAt: number;
  readonly minutes: number;
  readonly jitterSeconds: number;
}

export interface BeatRecord {
  readonly id: string;
  readonly minute: number;
  readonly due: number;
  /** When the beat was known to be on the remote (its own call, or a later one that flushed it); null if never in the run. */
  readonly landed: number | null;
}

let nodes: readonly SimNode[] = [];
let sink = '';

function flags(node: SimNode): string[] {
  return ['--config', path.join(node.root, 'config.json'), '--home', path.join(node.root, 'home'), '--nodeinfo', path.join(node.root, 'nodeinfo')];
}

async function setup(message: SetupMessage): Promise<void> {
  nodes = message.nodes;
  sink = message.sink;
  for (const node of nodes) {
    fs.mkdirSync(node.root, { recursive: true });
    fs.writeFileSync(path.join(node.root, 'config.json'), JSON.stringify(message.config));
    const code = await main(['init', '--id', node.id, '--deployment', 'sim', '--nodepart', `p${node.id.length % 4}`, '--stacktype', 'bench', ...flags(node)]);
    if (code !== 0) throw new Error(`init of ${node.id} exited ${code}`);
    // A document for readers, delivered now: nodes announce themselves over hours, not all in the first measured minute.
    const state = await main(['state', 'set', 'setup', '--wait', '60', ...flags(node)]);
    if (state !== 0) throw new Error(`state set of ${node.id} exited ${state}`);
  }
}

/** Clock ticks of this process and of its reaped children (git), from /proc. */
function cpuSeconds(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // utime, stime, cutime, cstime are fields 14-17 of stat; here 0-based after the command name.
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

async function runBeats(message: RunMessage): Promise<{ beats: BeatRecord[]; cpuSeconds: number }> {
  const beats: BeatRecord[] = [];
  const cpuStart = cpuSeconds();
  const calls: Array<Promise<void>> = [];
  for (const node of nodes) {
    const offset = stableJitterMs(node.id, message.jitterSeconds);
    const outstanding: Array<{ minute: number; due: number }> = [];
    let previous: Promise<void> = Promise.resolve();
    for (let minute = 0; minute < message.minutes; minute++) {
      const due = message.startAt + minute * 60_000 + offset;
      const beat = async (): Promise<void> => {
        await sleepUntil(due);
        outstanding.push({ minute, due });
        // What cron would run: nodegrid presence heartbeat (delivery waits up to 50 s; what is left stays queued).
        await main(['presence', 'heartbeat', '--force', '--wait', '50', '--lock-timeout', '60', ...flags(node)]);
        const pending = new SinkQueue(path.join(node.root, 'home', 'outbox'), sink).pendingCount();
        if (pending === 0) {
          const now = Date.now();
          for (const o of outstanding.splice(0)) beats.push({ id: node.id, minute: o.minute, due: o.due, landed: now });
        }
      };
      // A node's beats run one after the other, as cron's would behind the node lock.
      previous = Promise.all([previous, sleepUntil(due)]).then(beat);
      calls.push(previous);
    }
    calls.push(previous.then(() => {
      for (const o of outstanding.splice(0)) beats.push({ id: node.id, minute: o.minute, due: o.due, landed: null });
    }));
  }
  await Promise.all(calls);
  return { beats, cpuSeconds: cpuSeconds() - cpuStart };
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

process.on('message', (message: SetupMessage | RunMessage) => {
  const work = message.type === 'setup' ? setup(message).then(() => ({ type: 'ready' })) : runBeats(message).then((result) => ({ type: 'done', ...result }));
  work.then(
    (reply) => process.send!(reply),
    (error: unknown) => process.send!({ type: 'error', message: String((error as Error)?.stack ?? error) }),
  );
});
