import { describe, expect, it } from 'vitest';
import { isValidInstanceId } from '../../src/core/ids';
import { parseJsonWith } from '../../src/core/parse-json';
import { flattimeMinuteStart, isTss, parseTss } from '../../src/core/time';
import { acceptPlainPresenceDocument, parsePresencePath, presenceDocumentSchema } from '../../src/presence/format';

/**
 * The readers' hand-written fast paths (presence/format.ts, core/time.ts) are
 * held to what they replace: the schema, and the regular expressions they were
 * written from, kept here as the reference. Hostile shapes first, then seeded
 * random mutations of good input.
 */

/** A small seeded generator: the same cases on every run, many of them. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function mutate(text: string, rnd: () => number, alphabet: string): string {
  const chars = text.split(''); // the inputs are ASCII
  const edits = 1 + Math.floor(rnd() * 3);
  for (let n = 0; n < edits; n++) {
    const at = Math.floor(rnd() * (chars.length + 1));
    const char = alphabet[Math.floor(rnd() * alphabet.length)]!;
    const edit = rnd();
    if (edit < 0.4) chars[at] = char;
    else if (edit < 0.7) chars.splice(at, 0, char);
    else chars.splice(at, 1);
  }
  return chars.join('');
}

describe('the plain presence document check, beside the schema', () => {
  const id = '"instance-id": "i-4e7cb59a"';
  const hostile = [
    '{"filetype": "nodepresence", "value": {"deployment": "fed1", "initgitrepo": "repo2", "instance-id": "i-4e7cb59a", "nodepart": "db1", "stacktype": "lad1", "state": "initdone", "statelog": "setup:20151008-174646;", "statetss": "20151008-174830"}}',
    `{"value": {${id}}}`,
    `{"value": {"a": "a", ${id}, "state": "done"}}`,
    `{"value": {${id}, "hostname": "db1", "labels": {"team": "db"}, "nested": [1, {"x": null}], "n": 3}}`,
    `{"value": {${id}, "state": null, "note": "", "statelog": null}}`,
    `{"extra": [1, 2], "value": {${id}}}`,
    `{"__proto__": {"polluted": 1}, "value": {${id}}}`,
    'null',
    '[]',
    `[{"value": {${id}}}]`,
    '1',
    '"text"',
    'true',
    '{}',
    '{"value": null}',
    '{"value": []}',
    '{"value": "i-4e7cb59a"}',
    `{"filetype": "other", "value": {${id}}}`,
    `{"filetype": null, "value": {${id}}}`,
    `{"filetype": 1, "value": {${id}}}`,
    `{"value": {"__proto__": {"state": "running"}, ${id}}}`,
    `{"value": {${id}, "__proto__": null}}`,
    '{"value": {"state": "running"}}',
    '{"value": {"instance-id": 42}}',
    '{"value": {"instance-id": null}}',
    '{"value": {"instance-id": ["i-1"]}}',
    '{"value": {"instance-id": ""}}',
    '{"value": {"instance-id": "."}}',
    '{"value": {"instance-id": ".."}}',
    '{"value": {"instance-id": "../../etc/passwd"}}',
    '{"value": {"instance-id": "i-1/x"}}',
    `{"value": {"instance-id": "${'i'.repeat(129)}"}}`,
    ...['deployment', 'nodepart', 'stacktype', 'initgitrepo', 'state', 'statetss', 'statelog', 'note'].flatMap((key) =>
      ['1', 'true', '{"toString": 1}', '["x"]', '{}'].map((bad) => `{"value": {${id}, "${key}": ${bad}}}`),
    ),
  ];

  /** Both ways agree: parsed with the check first exactly as with the schema alone. */
  function expectSameAsSchema(text: string): boolean {
    const withCheck = parseJsonWith(presenceDocumentSchema, text, acceptPlainPresenceDocument);
    const schemaOnly = parseJsonWith(presenceDocumentSchema, text);
    expect(withCheck.ok, text).toBe(schemaOnly.ok);
    if (withCheck.ok && schemaOnly.ok) {
      expect(withCheck.value.value, text).toEqual(schemaOnly.value.value);
      expect(withCheck.value.filetype, text).toBe(schemaOnly.value.filetype);
      // The extra fields keep their order: readers list them as the document has them.
      expect(Object.keys(withCheck.value.value).filter((k) => !(k in presenceDocumentSchema.shape.value.shape)), text).toEqual(
        Object.keys(schemaOnly.value.value).filter((k) => !(k in presenceDocumentSchema.shape.value.shape)),
      );
    } else if (!withCheck.ok && !schemaOnly.ok) {
      expect(withCheck.problem, text).toBe(schemaOnly.problem);
    }
    return acceptPlainPresenceDocument(safeJson(text)) !== undefined;
  }

  it('accepts only what the schema accepts, with the same fields, on hostile shapes', () => {
    const accepted = hostile.filter(expectSameAsSchema);
    // It does take the common documents (else it would be no faster), and nothing hostile.
    expect(accepted).toEqual(hostile.slice(0, 7));
    // A "__proto__" key never becomes a prototype either way.
    const parsed = parseJsonWith(presenceDocumentSchema, `{"value": {"__proto__": {"state": "running"}, ${id}}}`, acceptPlainPresenceDocument);
    expect(parsed.ok && parsed.value.value.state).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('agrees with the schema on 3,000 random mutations of a good document', () => {
    const rnd = random(21);
    const good = hostile[0]!;
    let accepted = 0;
    for (let n = 0; n < 3000; n++) if (expectSameAsSchema(mutate(good, rnd, '{}[]":,0a1-. _/nulltrue\\'))) accepted++;
    // Some mutations stay valid documents, most do not: both sides were exercised.
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(2900);
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

describe('presence paths, read by hand, beside the regular expressions they replace', () => {
  const CURRENT = /^it\/presence\/all\/([^/]+)\.json$/;
  const BEAT = /^it\/presence\/flattime\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{12})\/all\/([^/]+)\.json$/;
  function reference(path: string): ReturnType<typeof parsePresencePath> {
    const current = CURRENT.exec(path);
    if (current) return isValidInstanceId(current[1]!) ? { kind: 'current', id: current[1]! } : undefined;
    const beat = BEAT.exec(path);
    if (!beat) return undefined;
    const [, y, mo, d, h, minute, id] = beat as unknown as [string, string, string, string, string, string, string];
    if (minute !== `${y}${mo}${d}${h}${minute.slice(10)}` || !isValidInstanceId(id)) return undefined;
    return { kind: 'beat', id, minute };
  }

  const beat = 'it/presence/flattime/2015/10/08/21/201510082113/all/i-1.json';
  const cases = [
    'it/presence/all/i-1.json',
    beat,
    'it/presence/all/.json',
    'it/presence/all/..json',
    'it/presence/all/...json',
    'it/presence/all/sub/i-1.json',
    'it/presence/all/i-1.json.bak',
    'it/presence/all/i-1',
    'it/presence/all/',
    '.json',
    'it/presence/all.json',
    'README.md',
    'it/presence/flattime/2015/10/08/22/201510082113/all/i-1.json',
    'it/presence/flattime/2016/10/08/21/201510082113/all/i-1.json',
    'it/presence/flattime/2015/11/08/21/201510082113/all/i-1.json',
    'it/presence/flattime/2015/10/09/21/201510082113/all/i-1.json',
    'it/presence/flattime/2015/10/08/21/20151008211/all/i-1.json',
    'it/presence/flattime/2015/10/08/21/2015100821134/all/i-1.json',
    'it/presence/flattime/2015/10/08/21/20151008211x/all/i-1.json',
    'it/presence/flattime/2015/1/08/21/20151008213/all/i-1.json',
    'it/presence/flattime/2015/10/08/21/201510082113/all/sub/i-1.json',
    'it/presence/flattime/2015/10/08/21/201510082113/all/.json',
    'it/presence/flattime/2015/10/08/21/201510082113/all/..json',
    'it/presence/flattime/2015/10/08/21/201510082113/al/i-1.json',
    'it/presence/flattime/2015/10/08/21/201510082113/all/',
    'it/presence/flattime/2015/10/08/21/201510082113/all.json',
    'it/presence/flattime/2015/10/08/21/201510082113/all/i-1.json/x.json',
    `it/presence/all/${'i'.repeat(128)}.json`,
    `it/presence/all/${'i'.repeat(129)}.json`,
  ];

  it('reads the same as the reference on edge cases', () => {
    for (const path of cases) expect(parsePresencePath(path), path).toEqual(reference(path));
    expect(cases.filter((path) => parsePresencePath(path) !== undefined)).toHaveLength(3);
  });

  it('reads the same as the reference on 5,000 random mutations of good paths', () => {
    const rnd = random(5);
    let read = 0;
    for (let n = 0; n < 5000; n++) {
      const path = mutate(n % 2 === 0 ? beat : 'it/presence/all/i-1.json', rnd, '0123456789/.-ajsonl');
      const parsed = parsePresencePath(path);
      expect(parsed, path).toEqual(reference(path));
      if (parsed) read++;
    }
    expect(read).toBeGreaterThan(100);
  });
});

describe('statetss by character codes, beside the regular expression it replaces', () => {
  function reference(value: string): Date | undefined {
    const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(value);
    if (!m) return undefined;
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    date.setUTCFullYear(y); // not 1916 for 0016
    // Date rolls 20151332 over into the next year: a real time reads back as written.
    const same = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
    return same ? date : undefined;
  }

  it('agrees on edge cases and on 5,000 random mutations', () => {
    const cases = ['20151008-211305', '20151332-000000', '20160229-120000', '20150229-120000', '20000229-000000', '19000229-000000', '20151008-240000', '20151008-236000', '20151008-235960', '20151008-235959', '20151231-235959', '20150431-000000', '20150430-000000', '20150001-000000', '20150100-000000', '2015100-8211305', '20151008211305', '20151008-2113055', '2015-1008-21130', '２０15' + '1008-211305', '20151008-21130x', '00160229-000000', '00150229-000000', ''];
    const rnd = random(9);
    for (let n = 0; n < 5000; n++) cases.push(mutate('20160229-235959', rnd, '0123456789-x'));
    let valid = 0;
    for (const value of cases) {
      const want = reference(value);
      expect(parseTss(value)?.getTime(), value).toBe(want?.getTime());
      expect(isTss(value), value).toBe(want !== undefined);
      if (want) valid++;
    }
    expect(valid).toBeGreaterThan(100);
  });
});

describe('flattime minutes by character codes, beside the regular expression they replace', () => {
  function reference(minute: string): Date | undefined {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(minute);
    if (!m) return undefined;
    const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
    // Month 00 or minute 99 roll over, as they always did; a year below 100 is that year.
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
    if (y < 100) date.setUTCFullYear(y);
    return date;
  }

  it('agrees on edge cases and on 3,000 random mutations', () => {
    const cases = ['201510082113', '000110082113', '20151008211', '2015100821133', '20151008211x', '2015-1008211', '', '201512312359'];
    const rnd = random(12);
    for (let n = 0; n < 3000; n++) cases.push(mutate('201510082113', rnd, '0123456789x'));
    let read = 0;
    for (const minute of cases) {
      expect(flattimeMinuteStart(minute)?.getTime(), minute).toBe(reference(minute)?.getTime());
      if (reference(minute)) read++;
    }
    expect(flattimeMinuteStart('201510082113')?.toISOString()).toBe('2015-10-08T21:13:00.000Z');
    expect(read).toBeGreaterThan(100);
  });
});
