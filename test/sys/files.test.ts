import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/sys/pid';
import { removeStaleTempFiles, writeFileAtomic } from '../../src/sys/files';
import { writeTextfile } from '../../src/metrics/textfile';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-files-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has run and ended: what a killed writer leaves in its file names. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  expect(isProcessAlive(pid)).toBe(false);
  return pid;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(root, 'case-'));
});

const names = () => fs.readdirSync(dir).sort();

describe('leftover temporary files of a killed writer', () => {
  it('are removed when their writer is dead; a live writer\'s and other files stay', () => {
    const dead = deadPid();
    const leftovers = [`.state.json.${dead}.ab12cd.tmp`, `.log.${dead}.x1.tmp`];
    const kept = [`.state.json.${process.pid}.ef34gh.tmp`, 'state.json', `.hidden.${dead}.note`, '.tmp', `.${dead}.tmp`];
    for (const name of [...leftovers, ...kept]) fs.writeFileSync(path.join(dir, name), 'x');
    removeStaleTempFiles(dir);
    expect(names()).toEqual([...kept].sort());
  });

  it('of one file name only, in a folder shared with others', () => {
    const dead = deadPid();
    const others = [`.other.prom.${dead}.zz99.tmp`, `.node.prom.${dead}.tmp`];
    fs.writeFileSync(path.join(dir, `.node.prom.${dead}.ab12cd.tmp`), 'half');
    for (const name of others) fs.writeFileSync(path.join(dir, name), 'theirs');
    removeStaleTempFiles(dir, 'node.prom');
    expect(names()).toEqual([...others].sort());
  });

  it('in a folder that is not there: nothing to do, and no error', () => {
    expect(() => removeStaleTempFiles(path.join(dir, 'missing'))).not.toThrow();
  });

  it('a textfile write clears its own leftovers and leaves other exporters\' files alone', () => {
    const dead = deadPid();
    const file = path.join(dir, 'nodegrid.prom');
    const mine = `.nodegrid.prom.${dead}.ab12cd.tmp`;
    const theirs = [`.node_exporter.prom.${dead}.ab12cd.tmp`, 'other.prom'];
    for (const name of [mine, ...theirs]) fs.writeFileSync(path.join(dir, name), 'x');
    writeTextfile(file, 'nodegrid_up 1\n');
    expect(names()).toEqual(['nodegrid.prom', ...theirs].sort());
    expect(fs.readFileSync(file, 'utf8')).toBe('nodegrid_up 1\n');
  });

  it('writeFileAtomic leaves no temporary file behind', () => {
    writeFileAtomic(path.join(dir, 'a.json'), '{}\n');
    expect(names()).toEqual(['a.json']);
  });
});
