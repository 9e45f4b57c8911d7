import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv, nodegridBin } from '../helpers/cli';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('runs a small grid through the real CLI: chat lines, a wedged node, a zombie, and the grid read back from presence', async () => {
    const demo = path.resolve(import.meta.dirname, '../../scripts/demo.mjs');
    const { stdout } = await run(process.execPath, [demo, '--for', '20'], { env: { ...cleanEnv(), NODEGRID_BIN: nodegridBin() }, timeout: 200_000 });
    // What arrived at the chat receiver, in the original's message shape.
    expect(stdout).toMatch(/chat #ops i-1a2b3c4d:fed1\/lb1: setup -> initdone \(init took \d+ s\)/);
    expect(stdout).toMatch(/chat #ops-critical i-4d5e6f70:fed1\/db1: initdone -> wedged \(work failed 2 times: bin\/nodework\/part\/db1\/work\.sh exit 32: cannot mount \/data: no such device\)/);
    // The grid as an observer reads it from the presence repository.
    expect(stdout).toContain('fed1: 2 alive, 1 zombie, 1 wedged, 1 retired');
    expect(stdout).toMatch(/i-5e6f7081\s+zombie\s+presetup/);
    // The monitor, watching from outside, told the room about the zombie.
    expect(stdout).toMatch(/chat #ops \(monitor\) i-5e6f7081:fed1\/app1: \S+ -> zombie/);
    expect(stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/presence\.git: \d+ commits, newest: [0-9a-f]+ i-2b3c4d5e:fed1\/app1: drained -> decommissioned/);
  }, 240_000);
});
