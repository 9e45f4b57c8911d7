import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noteOfChange, readAll, recordStateNote } from '../../src/node/state-notes';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-state-notes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the state notes file', () => {
  it('keeps every note that is three strings and skips the lines that are not, without a word', () => {
    const file = path.join(dir, 'mixed.jsonl');
    fs.writeFileSync(
      file,
      [
        '{"state":"setup","tss":"20151008-174600","note":"first"}',
        '{"state":"wedged","tss":"20151008-1746', // cut short by a kill
        '{"state":"running","tss":20151008,"note":"a number is not a time"}',
        '["setup","20151008-174700","an array"]',
        'null',
        '{"state":"running","tss":"20151008-174800"}',
        '{"state":"wedged","tss":"20151008-174900","note":"disk full","extra":"dropped"}',
        '',
      ].join('\n'),
    );
    expect(readAll(file)).toEqual([
      { state: 'setup', tss: '20151008-174600', note: 'first' },
      { state: 'wedged', tss: '20151008-174900', note: 'disk full' },
    ]);
    expect(noteOfChange(file, 'wedged', '20151008-174900')).toBe('disk full');
    expect(noteOfChange(file, 'running', '20151008-174800')).toBeUndefined();
  });

  it('writes the note of one change once, however often a roll-forward records it again', () => {
    const file = path.join(dir, 'once.jsonl');
    const entry = { state: 'wedged', tss: '20151008-175000', note: 'out of inodes' };
    recordStateNote(file, entry);
    recordStateNote(file, entry);
    expect(readAll(file)).toEqual([entry]);
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });
});
