import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The section under a `## ` heading, up to the next one. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README has no "## ${title}"`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

interface Documented {
  /** As written, for messages. */
  readonly usage: string;
  /** The command words to run `--help` on, e.g. ['state', 'set']. */
  readonly words: string[];
  readonly flags: string[];
}

/**
 * The Commands table: each code span of the first column is one usage line
 * (`nodegrid state set STATE [--note TEXT] …`, or a following `outbox flush …`).
 * The command is its leading lowercase words; `cron|systemd` is one argument of either value.
 */
function documentedCommands(): Documented[] {
  const rows = section('Commands').split('\n').filter((line) => line.startsWith('| `'));
  const out: Documented[] = [];
  for (const row of rows) {
    const firstCell = row.slice(1).split(/(?<!\\)\|/)[0]!;
    for (const [, span] of firstCell.matchAll(/`([^`]+)`/g)) {
      const usage = span!.replace(/\\\|/g, '|');
      const tokens = usage.split(/\s+/).filter(Boolean);
      if (tokens[0] === 'nodegrid') tokens.shift();
      const words: string[] = [];
      for (const token of tokens) {
        if (!/^[a-z]+(\|[a-z]+)*$/.test(token)) break;
        words.push(token);
      }
      const flags = [...usage.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]);
      out.push({ usage, words, flags });
    }
  }
  return out;
}

/** Every alternative of `install cron|systemd` as its own word list. */
function expand(words: string[]): string[][] {
  if (words.length === 0) return [[]];
  const [first, ...rest] = words;
  return first!.split('|').flatMap((alternative) => expand(rest).map((tail) => [alternative, ...tail]));
}

/** The options a help page lists (what commander accepts for that command). */
function helpOptions(help: string): Set<string> {
  const options = help.slice(help.indexOf('Options:'), help.search(/\n(Commands|Examples):/) === -1 ? undefined : help.search(/\n(Commands|Examples):/));
  return new Set([...options.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
}

describe('README commands', () => {
  const commands = documentedCommands();

  it('documents every command the CLI has, and the table parses', async () => {
    expect(commands.length).toBeGreaterThanOrEqual(20);
    const top = await runCli(['--help']);
    const listed = [...top.stdout.slice(top.stdout.indexOf('Commands:')).matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]).filter((name) => name !== 'help');
    const documented = new Set(commands.map((c) => c.words[0]));
    expect(listed.filter((name) => !documented.has(name)), 'commands missing from the README table').toEqual([]);
  });

  it('every documented command has a --help with examples, listing every documented flag', async () => {
    const problems: string[] = [];
    for (const command of commands) {
      for (const words of expand(command.words)) {
        const help = await runCli([...words, '--help']);
        if (help.code !== 0 || !help.stdout.startsWith(`Usage: nodegrid ${words[0]}`) || !help.stdout.includes('\nExamples:\n')) {
          problems.push(`${command.usage}: \`nodegrid ${words.join(' ')} --help\` exit ${help.code}: ${help.stderr.trim() || help.stdout.split('\n')[0]}`);
          continue;
        }
        const accepted = helpOptions(help.stdout);
        for (const flag of command.flags) if (!accepted.has(flag)) problems.push(`${command.usage}: ${flag} is not an option of \`nodegrid ${words.join(' ')}\``);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every documented global option is accepted', async () => {
    const globals = /Global\s+options: (.*?)\./s.exec(section('Commands'))?.[1] ?? '';
    const flags = [...globals.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
    expect(flags).toEqual(['--config', '--nodeinfo', '--home', '--no-color', '--debug']);
    const accepted = helpOptions((await runCli(['--help'])).stdout);
    expect(flags.filter((flag) => !accepted.has(flag))).toEqual([]);
  });

  it('a flag the CLI does not have is refused, so the checks above mean something', async () => {
    const result = await runCli(['state', 'set', 'setup', '--no-such-flag']);
    expect(result.code).toBe(2);
    expect(helpOptions((await runCli(['state', 'set', '--help'])).stdout).has('--no-such-flag')).toBe(false);
  });
});

describe('README examples', () => {
  it('points at every example folder that exists', () => {
    const text = section('Examples');
    const examples = fs.readdirSync(path.resolve(import.meta.dirname, '../../examples'));
    for (const entry of examples) expect(text, `examples/${entry}`).toContain(`examples/${entry}`);
  });
});
