import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendDurable } from '../../src/sys/files';
import { readNodeRecord, requireIdentity } from '../../src/node/nodeinfo';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-nodeinfo-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('an instance-id.txt that is not an id', () => {
  it('is quoted as read, after the file it was read from (not joined into a path)', () => {
    fs.writeFileSync(path.join(dir, 'instance-id.txt'), '../../../tmp/x\n');
    expect(() => requireIdentity(readNodeRecord(dir), dir)).toThrow(`no instance id: ${dir}/instance-id.txt holds "../../../tmp/x", which is not a valid instance id`);
  });
});

describe('appendDurable on a device that is full', () => {
  it('names the file in the error: write(2) errors carry no path of their own', () => {
    let caught: NodeJS.ErrnoException | undefined;
    try {
      appendDurable('/dev/full', 'setup:20151008-174646;');
    } catch (error) {
      caught = error as NodeJS.ErrnoException;
    }
    expect(caught?.code).toBe('ENOSPC');
    expect(caught?.path).toBe('/dev/full');
    expect(caught?.message).toContain("'/dev/full'");
  });
});
