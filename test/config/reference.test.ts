import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { duration } from '../../src/config/duration';
import { configRows, renderConfigReference, replaceReferenceBlock, REFERENCE_END, REFERENCE_START } from '../../src/config/reference';
import { nodegridBin } from '../helpers/cli';

const root = path.resolve(import.meta.dirname, '../..');
const readme = (): string => fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-reference-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the configuration reference', () => {
  it('has a description on the schema for every key', () => {
    const rows = configRows();
    expect(rows.length).toBeGreaterThan(50);
    const undescribed = rows.filter((row) => row.description.trim() === '').map((row) => row.path);
    expect(undescribed, 'give these keys a description (.register(z.globalRegistry, { description })) in src/config/schema.ts or src/config/sections/').toEqual([]);
    expect(Object.fromEntries(rows.map((row) => [row.path, row.description]))).toMatchObject({
      'outbox.maxBackoffSeconds': 'Longest delay between two retries of one sink.',
      'presence.author.email': 'Commit author email.',
      'lifecycle.edges[].from': 'The state the edge leaves.',
      grid: 'How observers (`nodes`, `find`, `monitor`, `serve`) judge health.',
    });
  });

  it('refuses to render a key with no description, naming it', () => {
    const schema = z.strictObject({ said: z.string().register(z.globalRegistry, { description: 'Described.' }), unsaid: z.optional(z.boolean()) });
    expect(() => renderConfigReference(configRows(schema))).toThrow("no description for config key unsaid: add .register(z.globalRegistry, { description: '…' })");
  });

  it("is the README's block, as `npm run docs` generates it now", () => {
    const text = readme();
    const block = text.slice(text.indexOf(REFERENCE_START), text.indexOf(REFERENCE_END) + REFERENCE_END.length);
    expect(block, 'README.md is out of date: run `npm run docs`').toBe(renderConfigReference());
    // The hand-written precedence table stays above the generated block.
    expect(text.indexOf('| config file | `--config` | `NODEGRID_CONFIG`')).toBeLessThan(text.indexOf(REFERENCE_START));
  });

  it('describes types, defaults and allowed values by walking the schema', () => {
    const rows = Object.fromEntries(configRows().map((row) => [row.path, row]));
    expect(rows['chat.destinations[].type']).toMatchObject({ type: 'one of `slack`, `mattermost`, `rocketchat`, `discord`, `teams`, `hipchat`, `webhook`', default: 'required' });
    expect(rows['chat.destinations[].minSeverity']).toMatchObject({ type: 'one of `quiet`, `chatty`, `critical`', default: '`chatty`' });
    expect(rows['heartbeat.workTimeoutSeconds']).toMatchObject({ type: 'duration (s)', default: '`600`' });
    expect(rows['grid.zombieAfterMinutes']).toMatchObject({ type: 'duration (m)', default: '`30`' });
    expect(rows['grid.workingStates']).toMatchObject({ default: '`[initdone, running]`' });
    expect(rows['presence.heartbeat.everyMinutes']).toMatchObject({ type: 'duration (m)', default: '`1`' });
    expect(rows['grid.staleAfterBeats']).toMatchObject({ type: 'integer ≥ 1', default: '`3`' });
    expect(rows['lifecycle.edges']?.type).toBe('list of ([string, string] or {from, to})');
    expect(rows['lifecycle.states.<name>.color']?.type).toBe('one of `green`, `yellow`, `red`, `purple`, `gray`');
    expect(rows['presence.remotes[].url']?.default).toBe('required');
    expect(rows['ec2.region']).toMatchObject({ type: 'string: an AWS region such as us-west-2', default: '' });
  });

  it('reads any zod/mini schema through its JSON Schema: defaults, optionals, pipes, unions, records, durations, rules', () => {
    const schema = z.strictObject({
      a: z._default(z.strictObject({ wait: z._default(duration('s'), 5), mode: z.optional(z.enum(['x', 'y'])) }), { wait: 5 }).register(z.globalRegistry, { description: 'Section a.' }),
      list: z._default(z.array(z.union([z.string(), z.strictObject({ id: z.number().check(z.int(), z.minimum(2)) })])), []),
      map: z.optional(z.record(z.string(), z.strictObject({ on: z.boolean() }))),
      piped: z.pipe(z.string(), z.transform((s: string) => s.length)),
      pair: z.pipe(z.tuple([z.string(), z.number()]), z.transform(([name, size]: [string, number]) => ({ name, size }))),
      xs: z.optional(z.string().check(z.minLength(2), z.maxLength(9), z.refine((s: string) => s.startsWith('x'), 'starts with x')).register(z.globalRegistry, { rules: ['starts with x'] })),
      // zod/mini's check form of the same metadata.
      patterned: z.string().check(z.minLength(1), z.regex(/^y+$/, 'only y'), z.meta({ rules: ['only y'], description: 'Ys.' })),
      ratio: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.5),
    });
    expect(configRows(schema).map((row) => [row.path, row.type, row.default, row.description])).toEqual([
      ['a', 'object', '', 'Section a.'],
      ['a.wait', 'duration (s)', '`5`', ''],
      ['a.mode', 'one of `x`, `y`', '', ''],
      ['list', 'list of (string or {id})', '`[]`', ''],
      ['list[].id', 'integer ≥ 2', 'required', ''],
      ['map', 'map of name → object', '', ''],
      ['map.<name>.on', 'boolean', 'required', ''],
      ['piped', 'string', 'required', ''],
      ['pair', '[string, number]', 'required', ''],
      ['xs', 'string: 2–9 characters; starts with x', '', ''],
      ['patterned', 'string: only y', 'required', 'Ys.'],
      ['ratio', 'number 0–1', '`0.5`', ''],
    ]);
  });

  it('`npm run docs` rewrites a stale block and `--check` fails on it', () => {
    const copy = path.join(tmp, 'README.md');
    const text = readme();
    fs.writeFileSync(copy, replaceReferenceBlock(text, `${REFERENCE_START}\n| \`grid.old\` | gone |\n${REFERENCE_END}`));
    const script = path.join(root, 'scripts/config-reference.mjs');
    const stale = spawnSync(process.execPath, [script, '--check', '--readme', copy], { encoding: 'utf8' });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/out of date; run `npm run docs`/);
    execFileSync(process.execPath, [script, '--readme', copy]);
    expect(fs.readFileSync(copy, 'utf8')).toBe(text);
    expect(spawnSync(process.execPath, [script, '--check', '--readme', copy]).status).toBe(0);
  });

  it('keeps the generator out of the bundle a node starts every minute', () => {
    const dist = path.dirname(nodegridBin());
    const top = fs.readdirSync(dist).filter((file) => file.endsWith('.cjs')).map((file) => path.join(dist, file));
    const files = [...top, ...fs.readdirSync(path.join(dist, 'chunks')).map((file) => path.join(dist, 'chunks', file))];
    expect(top).toContain(nodegridBin());
    const bundle = files.map((file) => fs.readFileSync(file, 'utf8')).join('\n');
    // The config schema is in the bundle; the code that turns it into the README is not.
    expect(bundle).toContain('a sink name is 1-64 characters');
    expect(bundle).not.toContain(REFERENCE_START);
    expect(bundle).not.toContain('x-nodegrid-duration');
    expect(bundle).not.toContain('no description for config key');
  });
});
