import { describe, expect, it } from 'vitest';
import { lastWords } from '../../src/git/run';

describe("lastWords: git's reason, not only its last fatal line", () => {
  it('joins the errno line to "unable to connect to HOST:"', () => {
    expect(lastWords('fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused\n')).toBe(
      'fatal: unable to connect to 127.0.0.1: 127.0.0.1[0: 127.0.0.1]: errno=Connection refused',
    );
  });

  it("keeps ssh's own reason before git's generic fatal line, and drops the advice after it", () => {
    const stderr = 'ssh: connect to host 127.0.0.1 port 1: Connection refused\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n';
    expect(lastWords(stderr)).toBe('ssh: connect to host 127.0.0.1 port 1: Connection refused; fatal: Could not read from remote repository.');
    expect(lastWords('git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.\n')).toBe('git@github.com: Permission denied (publickey).; fatal: Could not read from remote repository.');
  });

  it('is unchanged for one-line reasons, and falls back to the last line', () => {
    expect(lastWords("fatal: unable to access 'http://127.0.0.1:1/x.git/': Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server\n")).toContain("Couldn't connect to server");
    expect(lastWords('hint: something\nerror: failed to push some refs to x\n')).toBe('error: failed to push some refs to x');
    expect(lastWords('some output\nlast line\n')).toBe('last line');
  });
});
