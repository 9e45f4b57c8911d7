import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodegridBin, runCli } from '../helpers/cli';
import { endDemoRuns, processesUnder, startCpuLoad, startDemoRun } from '../helpers/demo-run';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const demoScript = path.join(repoRoot, 'scripts/demo.mjs');

/** The first line of the README's first code block: the main job on the embedded default. */
function readmeDemoLine(): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /```[^\n]*\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block.split('\n')[0]!.trim();
}

/** The demo's work folder, from its first line. */
function workFolder(output: string): string {
  const work = /under (\S+)/.exec(output)?.[1];
  expect(work).toBeDefined();
  return work!;
}

// Every demo a test started ends here, its whole process group and its folder, whether the test passed, failed or timed out.
afterEach(endDemoRuns);

describe('npm run demo', () => {
  describe('on a machine busy on both cores', () => {
    let load: ReturnType<typeof startCpuLoad> | undefined;
    beforeAll(() => {
      load = startCpuLoad(2);
    });
    afterAll(async () => load?.stop());

    // Twice in a row: the story's timing holds under load, not by luck once.
    it.each([1, 2])(
      'runs a grid through the real CLI: chat lines, a wedged node, a zombie, a stale node, the monitor, and presence that holds it all (run %i)',
      async () => {
        // --for 1: the demo lives as long as its story needs, not a fixed time.
        const demo = startDemoRun(process.execPath, [demoScript, '--for', '1', '--keep'], { env: { NODEGRID_BIN: nodegridBin() } });
        const { code } = await demo.ended;
        const output = demo.output();
        expect(code, output).toBe(0);
        const kept = /kept (\S+)/.exec(output)?.[1];
        expect(kept).toBeDefined();

        // What arrived at the chat receiver, in the original's message shape.
        expect(output).toMatch(/chat #ops i-1a2b3c4d:fed1\/lb1: setup -> initdone \(init took \d+ s\)/);
        expect(output).toMatch(/chat #ops-critical i-4d5e6f70:fed1\/db1: initdone -> wedged \(work failed 2 times: bin\/nodework\/part\/db1\/work\.sh exit 32: cannot mount \/data from \/dev\/xvdq: no such device\)/);
        // The monitor, watching from outside, told the room about the zombie and the silent node.
        expect(output).toMatch(/chat #ops \(monitor\) i-5e6f7081:fed1\/app1: \S+ -> zombie/);
        expect(output).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+/);
        // One node was asked to leave through presence and left on its own ticks, chat saying who asked.
        expect(output).toMatch(/tick i-2b3c4d5e: drain asked by alice@ops: done/);
        expect(output).toMatch(/tick i-2b3c4d5e: decommission asked by alice@ops: done \(1 decommission\.sh script ok in \d+ s; decommission requested by alice@ops: its replacement is running/);
        expect(output).toMatch(/chat #ops i-2b3c4d5e:fed1\/app1: drained -> decommissioned \(1 decommission\.sh script ok in \d+ s; decommission requested by alice@/);
        expect(output).toMatch(/chat #ops \(monitor\) i-708192a3:fed1\/app1: \S+ -> stale \(last heartbeat \d+ s ago\)/);
        expect(output).toMatch(/the story is complete at \d+ s/);
        // Healthy nodes stayed alive to the end: the summary is the story's, read through git daemon.
        expect(output).toContain('fed1: 6 alive, 1 stale, 1 zombie, 1 wedged, 1 retired');
        expect(output).toMatch(/10 nodes from git:\/\/127\.0\.0\.1:\d+\/presence\.git/);
        expect(output).not.toMatch(/cannot (fetch|read) presence/);

        // The presence repository really holds the grid: a document per node, commits from each.
        const presence = path.join(kept!, 'presence.git');
        const documents = execFileSync('git', ['--git-dir', presence, 'ls-tree', '--name-only', 'main', 'it/presence/all/'], { encoding: 'utf8' }).trim().split('\n');
        expect(documents).toHaveLength(10);
        const subjects = execFileSync('git', ['--git-dir', presence, 'log', '--format=%s', 'main'], { encoding: 'utf8' });
        for (const doc of documents) expect(subjects).toContain(`${path.basename(doc, '.json')}:fed1/`);

        const observer = path.join(kept!, 'observer.yaml');
        const nodes = await runCli(['nodes', '--json', '--remote', presence], { env: { NODEGRID_CONFIG: observer, NODEGRID_HOME: path.join(kept!, 'check') } });
        const health = Object.fromEntries((JSON.parse(nodes.stdout) as Array<{ id: string; health: string }>).map((n) => [n.id, n.health]));
        // (The others stopped beating when the demo stopped: their health now depends on how long ago that was.)
        expect(health).toMatchObject({ 'i-4d5e6f70': 'wedged', 'i-5e6f7081': 'zombie', 'i-2b3c4d5e': 'retired', 'i-708192a3': 'stale' });
        // Even with --keep, nothing it started is still running.
        expect(processesUnder(kept!)).toEqual([]);
      },
      480_000,
    );
  });

  it('Ctrl-C (SIGINT to its process group, as a terminal sends it) stops the nodes, prints the whole summary from presence, then stops everything; exit 0', async () => {
    const demo = startDemoRun(process.execPath, [demoScript], { env: { NODEGRID_BIN: nodegridBin() } });
    await demo.waitFor(/The grid lives/);
    // The zombie is one only 30 s after its presetup: on a quick run the grid can come alive
    // sooner. A person waits for the monitor to count it too, and so does the test.
    await demo.waitFor(/monitor at \d+ s: .*\b1 zombie/);
    const work = workFolder(demo.output());
    demo.signal('SIGINT');
    const { code, signal } = await demo.ended;
    const output = demo.output();
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });

    const summary = output.slice(output.indexOf('(SIGINT: the nodes stop'));
    expect(summary).toMatch(/^Stopping: the nodes stop beating/m);
    // The health counts of all ten nodes, read through git daemon after the signal.
    const counts = /fed1: ((?:\d+ \w+(?:, )?)+)/.exec(summary)?.[1];
    expect(counts, summary).toBeDefined();
    expect(counts!.split(', ').reduce((sum, part) => sum + Number(part.split(' ')[0]), 0)).toBe(10);
    expect(counts).toMatch(/1 zombie, 1 wedged, 1 retired/);
    expect(summary).toMatch(/10 nodes from git:\/\/127\.0\.0\.1:\d+\/presence\.git/);
    // The wedged node's history, whole.
    expect(summary).toMatch(/presetup\s+[0-9a-f]{12}\n.*setup\s+[0-9a-f]{12}\s+cloud-init started\n.*initdone\s+[0-9a-f]{12}\s+init took \d+ s\n.*wedged\s+[0-9a-f]{12}\s+work failed 2 times/);
    expect(summary).toMatch(/presence\.git: \d+ commits, newest: /);
    expect(summary).toMatch(/\d+ chat messages; \d+ about the wedged node\./);
    expect(output).not.toMatch(/cannot (fetch|read) presence|demo failed/);
    // Then the servers stopped and the folder went.
    expect(processesUnder(work)).toEqual([]);
    expect(fs.existsSync(work)).toBe(false);
  }, 300_000);

  // The README's first line, as a newcomer runs it: as written, until Ctrl-C. In this file, so two demos never run at once.
  it("the README's first command works as written on a fresh clone with nothing installed, stops on Ctrl-C with the grid read back, and leaves nothing running", async () => {
    const line = readmeDemoLine();
    expect(line).toBe('npm ci && npm run demo');
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-fresh-'));
    const clone = path.join(scratch, 'clone');
    execFileSync('git', ['clone', '--quiet', repoRoot, clone]);
    expect(fs.existsSync(path.join(clone, 'node_modules'))).toBe(false);
    const demo = startDemoRun('bash', ['-c', line], {
      cwd: clone,
      scratch,
      env: { npm_config_yes: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    await demo.waitFor(/The grid lives/);
    await demo.waitFor(/monitor at \d+ s: .*\b1 zombie/);
    // Ctrl-C in the terminal: bash, npm, the demo and all it started get it at once.
    demo.signal('SIGINT');
    await demo.ended;
    const output = demo.output();
    expect(output).toMatch(/chat #ops i-\w+:fed1\/app1: setup -> initdone/);
    expect(output).toMatch(/chat #ops-critical i-4d5e6f70:fed1\/db1: initdone -> wedged/);
    expect(output).toMatch(/i-5e6f7081\s+zombie\s+presetup/);
    expect(output).toMatch(/fed1: .*1 zombie, 1 wedged, 1 retired/);
    expect(output).toMatch(/10 nodes from git:\/\/127\.0\.0\.1:\d+\/presence\.git/);
    expect(output).not.toMatch(/cannot (fetch|read) presence|demo failed/);
    // Nothing left running (git daemon, the dashboard, node processes) and the demo's folder is gone.
    const work = workFolder(output);
    expect(processesUnder(clone)).toEqual([]);
    expect(processesUnder(work)).toEqual([]);
    expect(fs.existsSync(work)).toBe(false);
  }, 480_000);
});
