import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readWorkState, workStateFile, writeWorkState } from '../../src/heartbeat/work-state';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function home(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-work-state-'));
  dirs.push(dir);
  return dir;
}

describe('the heartbeat work state on disk', () => {
  it('reads back what it wrote, and fills keys an older version did not write', () => {
    const dir = home();
    const state = { lastSuccess: { at: '2015-10-08T21:13:00Z', commits: { config: 'abc123' } }, consecutiveFailures: 2, lastFailure: null, lastBeatAt: null };
    writeWorkState(dir, state);
    expect(readWorkState(dir)).toEqual(state);
    fs.writeFileSync(workStateFile(dir), '{"consecutiveFailures": 1}\n');
    expect(readWorkState(dir)).toEqual({ lastSuccess: null, consecutiveFailures: 1, lastFailure: null, lastBeatAt: null });
  });

  it('sets aside a file that does not match, naming it, and starts from no failures', () => {
    const dir = home();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const file = workStateFile(dir);
    writeWorkState(dir, { lastSuccess: null, consecutiveFailures: 0, lastFailure: null, lastBeatAt: null });
    fs.writeFileSync(file, '{"consecutiveFailures": "9", "lastSuccess": {"toString": 1}}\n');
    expect(readWorkState(dir)).toEqual({ lastSuccess: null, consecutiveFailures: 0, lastFailure: null, lastBeatAt: null });
    expect(String(stderr.mock.calls[0]?.[0])).toMatch(new RegExp(`^warning: ${file}: does not match its format: .*"consecutiveFailures": expected number, not a string.*; moved it to ${file}\\.corrupt-\\d+`));
    expect(fs.readdirSync(path.dirname(file))).toEqual([expect.stringMatching(/^work\.json\.corrupt-\d+$/)]);
  });
});
