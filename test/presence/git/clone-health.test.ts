import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GIT_OWNER_VARIABLE, spawnGit } from '../../../src/git/run';
import { stopProcessGroup } from '../../../src/sys/process';
import { stopStrayGits } from '../../../src/presence/git/clone-health';
import { createBareRepo } from '../../helpers/git-server';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-clone-health-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('stopping the gits a killed nodegrid left on a clone', () => {
  it("leaves a running reader's git alone and stops one whose starter is gone", async () => {
    const gitDir = createBareRepo(dir, 'clone.git');
    // A reader still at work: started by this (living) process through run.ts.
    const reader = spawnGit(['cat-file', '--batch'], { gitDir });
    // A git whose nodegrid was SIGKILLed: its owner tag names a process that has exited.
    const gone = spawnSync('true').pid;
    const orphan = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, [GIT_OWNER_VARIABLE]: `${gone}:1` },
    });
    const orphanClosed = new Promise((resolve) => orphan.on('close', resolve));
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(alive(reader.pid!) && alive(orphan.pid!)).toBe(true);

      const stopped = stopStrayGits(gitDir);

      expect(stopped).toEqual([orphan.pid]);
      await orphanClosed;
      expect(alive(reader.pid!)).toBe(true);
    } finally {
      stopProcessGroup(reader);
      orphan.kill('SIGKILL');
    }
  });
});
