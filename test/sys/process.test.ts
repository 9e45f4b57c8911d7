import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/sys/pid';
import { runProcess } from '../../src/sys/process';
import { sleep } from '../../src/sys/sleep';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-process-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH };

describe('running a process', () => {
  it('gives its exit code, output and input back', async () => {
    const result = await runProcess({ command: '/bin/sh', args: ['-c', 'cat; echo err >&2; exit 3'], env, input: 'in\n', timeoutMs: 30_000 });
    expect(result).toMatchObject({ code: 3, signal: null, timedOut: false });
    expect(result.stdout.toString()).toBe('in\n');
    expect(result.stderr.toString()).toBe('err\n');
  });

  it('says why a command could not start', async () => {
    const result = await runProcess({ command: path.join(dir, 'missing'), args: [], env, timeoutMs: 30_000 });
    expect(result.code).toBeNull();
    expect(result.startError).toMatch(/ENOENT/);
  });

  it('stops on timeout with SIGTERM first, so the process can clean up, and its group with it', async () => {
    const cleaned = path.join(dir, 'cleaned');
    const child = path.join(dir, 'child.pid');
    // The script leaves a child of its own in the group, then cleans up on TERM.
    const script = `sleep 300 & echo $! > ${child}; trap 'touch ${cleaned}; exit 143' TERM; while :; do sleep 0.05; done`;
    const result = await runProcess({ command: '/bin/sh', args: ['-c', script], env, timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(fs.existsSync(cleaned)).toBe(true);
    const grandchild = Number(fs.readFileSync(child, 'utf8'));
    for (let i = 0; i < 100 && isProcessAlive(grandchild); i++) await sleep(20);
    expect(isProcessAlive(grandchild)).toBe(false);
  });

  it('uses SIGKILL on a process that ignores SIGTERM', async () => {
    const result = await runProcess({ command: '/bin/sh', args: ['-c', "trap '' TERM; while :; do sleep 0.05; done"], env, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await runProcess({ command: 'sleep', args: ['30'], env, timeoutMs: 30_000, signal: controller.signal });
    expect(result.timedOut).toBe(true);
  });

  it('keeps at most maxBytes of output, and hands every chunk to onOutput', async () => {
    let seen = 0;
    const result = await runProcess({ command: '/bin/sh', args: ['-c', 'head -c 200000 /dev/zero'], env, timeoutMs: 30_000, maxBytes: 1000, onOutput: (chunk) => (seen += chunk.length) });
    expect(result.stdout.length).toBeLessThanOrEqual(1000);
    expect(seen).toBe(200_000);
  });

  it('with pipeGraceMs, does not wait for a background service that holds the pipes', async () => {
    const service = path.join(dir, 'service.pid');
    const result = await runProcess({ command: '/bin/sh', args: ['-c', `sleep 30 & echo $! > ${service}; echo started`], env, timeoutMs: 20_000, pipeGraceMs: 100 });
    expect(result).toMatchObject({ code: 0, timedOut: false });
    const pid = Number(fs.readFileSync(service, 'utf8'));
    // Left running: it is the script's business, not ours.
    expect(isProcessAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
  });
});

describe('sleeping', () => {
  it('ends early, without an error, when its signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await sleep(30_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
