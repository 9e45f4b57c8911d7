import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCommandList } from '../../src/cli/command-list';
import { buildProgram } from '../../src/cli/main';

const root = path.resolve(import.meta.dirname, '../..');
const listFile = path.join(root, 'src/cli/command-list.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-root-help-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Loaded for real, a command has its options, arguments and (state, outbox …) subcommands; a stub has none. */
function isStub(program: Command, name: string): boolean {
  const command = program.commands.find((sub) => sub.name() === name);
  expect(command, `no command ${name}`).toBeDefined();
  return command!.commands.length === 0 && command!.options.length === 0;
}

/** What `--help` prints, at a terminal width and with or without colour, as commander writes it (after-text included). */
function helpText(program: Command, width: number, colors: boolean): string {
  let text = '';
  program.configureOutput({ writeOut: (chunk) => (text += chunk), getOutHelpWidth: () => width, getOutHasColors: () => colors });
  program.outputHelp();
  return text;
}

describe('root help (nodegrid --help)', () => {
  it('lists every command from command-list.json, loading none, exactly as the loaded commands list themselves', async () => {
    const stubs = await buildProgram(['--help']);
    const loaded = await buildProgram([]);
    expect(isStub(stubs, 'state')).toBe(true);
    expect(isStub(loaded, 'state')).toBe(false);
    expect(stubs.commands.map((command) => command.name())).toEqual(loaded.commands.map((command) => command.name()));
    for (const width of [40, 80, 132, 250]) {
      for (const colors of [false, true]) expect(helpText(stubs, width, colors), `width ${width}, colours ${colors}`).toBe(helpText(loaded, width, colors));
    }
    expect(helpText(stubs, 80, false)).toContain('  notify [options] <text>          send a free message');
  });

  it('uses the stubs only when root help is all argv can print', async () => {
    for (const argv of [['--help'], ['-h'], ['--no-color', '--help'], ['--home', '/tmp/x', '--help'], ['--config=x.yaml', '-h']]) {
      expect(isStub(await buildProgram(argv), 'state'), argv.join(' ')).toBe(true);
    }
    // A command's own help, `help` (of a command or not), an unknown name (suggestions), no arguments, and after `--`.
    for (const argv of [['state', '--help'], ['help', 'state'], ['help'], ['stat'], [], ['--', 'state'], ['--help', '--', 'state']]) {
      expect(isStub(await buildProgram(argv), 'state'), argv.join(' ')).toBe(false);
    }
  });

  it('command-list.json is what the registrations give now', async () => {
    expect(fs.readFileSync(listFile, 'utf8'), 'src/cli/command-list.json is out of date: run `npm run docs`').toBe(await renderCommandList());
  });

  it('`npm run docs` rewrites a stale list and `--check` fails on it', () => {
    const copy = path.join(tmp, 'command-list.json');
    const text = fs.readFileSync(listFile, 'utf8');
    fs.writeFileSync(copy, text.replace("show this node's lifecycle state", 'an old description'));
    const script = path.join(root, 'scripts/command-list.mjs');
    const stale = spawnSync(process.execPath, [script, '--check', '--out', copy], { encoding: 'utf8' });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/command list is out of date; run `npm run docs`/);
    execFileSync(process.execPath, [script, '--out', copy]);
    expect(fs.readFileSync(copy, 'utf8')).toBe(text);
    expect(spawnSync(process.execPath, [script, '--check', '--out', copy]).status).toBe(0);
  });
});
