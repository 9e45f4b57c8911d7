import { describe, expect, it } from 'vitest';
import { specStateEvent } from '../helpers/events';
import { isHeartbeatDue } from '../../src/core/beat-cadence';
import { parseJsonWith } from '../../src/core/parse-json';
import { currentDocumentPath, flattimeMinuteDir, formatPresenceDocument, heartbeatPath, parsePresencePath, presenceDocumentSchema, presenceValueOf } from '../../src/presence/format';

const event = specStateEvent;

/** The SPEC §5 example, as the original wrote it. */
const SPEC_EXAMPLE = `{
    "filetype": "nodepresence",
    "value": {
        "deployment": "fed1",
        "initgitrepo": "repo2_petulant-cyril",
        "instance-id": "i-4e7cb59a",
        "nodepart": "db1",
        "stacktype": "lad1",
        "state": "initdone",
        "statelog": "setup:20151008-174646;initdone:20151008-174830;",
        "statetss": "20151008-174830"
    }
}
`;

describe('presence document format', () => {
  it('writes the SPEC example byte for byte: keys sorted, 4-space indent, trailing newline', () => {
    expect(formatPresenceDocument(presenceValueOf(event()).value)).toBe(SPEC_EXAMPLE);
  });

  it("escapes non-ASCII the way Python's json.dumps does (output captured from python3)", () => {
    const { value } = presenceValueOf(event({ fields: { hostname: 'caf\u00e9-\u{1F600}' } }));
    // python3 -c 'json.dumps(doc, indent=4, sort_keys=True) + "\n"'
    const fromPython =
      '{\n    "filetype": "nodepresence",\n    "value": {\n        "deployment": "fed1",\n        "hostname": "caf\\u00e9-\\ud83d\\ude00",\n        "initgitrepo": "repo2_petulant-cyril",\n        "instance-id": "i-4e7cb59a",\n        "nodepart": "db1",\n        "stacktype": "lad1",\n        "state": "initdone",\n        "statelog": "setup:20151008-174646;initdone:20151008-174830;",\n        "statetss": "20151008-174830"\n    }\n}\n';
    expect(formatPresenceDocument(value)).toBe(fromPython);
  });

  it('leaves out missing identity parts and a missing state, but always writes a statelog', () => {
    const { value } = presenceValueOf(event({ node: { id: 'n1' }, state: null, statetss: null, statelog: '' }));
    expect(value).toEqual({ 'instance-id': 'n1', statelog: '' });
  });

  it('refuses extra fields that look like keys or tokens, and never lets a field replace the identity', () => {
    const { value, refused } = presenceValueOf(event({ fields: { hostname: 'AKIAIOSFODNN7EXAMPLE', version: '1.2.3', state: 'hacked' } }));
    expect(refused).toEqual(['hostname']);
    expect(value.version).toBe('1.2.3');
    expect(value.state).toBe('initdone');
    expect(value).not.toHaveProperty('hostname');
  });
});

describe('labels in the document', () => {
  it('writes no "labels" key for a node without labels (or with none left): the SPEC bytes, unchanged', () => {
    for (const labels of [undefined, {}, { 'bad key': 'x' }]) {
      const { value, labels: published } = presenceValueOf(event(labels === undefined ? {} : { labels }));
      expect(formatPresenceDocument(value, published)).toBe(SPEC_EXAMPLE);
    }
  });

  it('puts labels under value.labels, keys sorted, and refuses one that looks like a key', () => {
    const { value, labels, refused } = presenceValueOf(event({ labels: { tier: 'db', env: 'prod', 'acme.io/leak': 'AKIAIOSFODNN7EXAMPLE' }, fields: { labels: 'not-a-field' } }));
    expect(refused).toEqual(['labels.acme.io/leak']);
    const document = formatPresenceDocument(value, labels);
    expect(document).toContain('        "labels": {\n            "env": "prod",\n            "tier": "db"\n        },\n');
    expect(JSON.parse(document).value.labels).toEqual({ env: 'prod', tier: 'db' });
  });
});

describe('presence paths', () => {
  it('puts the current document and the flattime beat where the original did', () => {
    expect(currentDocumentPath('i-4e7cb59a')).toBe('it/presence/all/i-4e7cb59a.json');
    expect(heartbeatPath('i-4e7cb59a', new Date('2015-10-08T21:13:59Z'))).toBe('it/presence/flattime/2015/10/08/21/201510082113/all/i-4e7cb59a.json');
    expect(flattimeMinuteDir('201510082113')).toBe('it/presence/flattime/2015/10/08/21/201510082113/all');
  });

  it('refuses ids that would escape the folder', () => {
    expect(() => currentDocumentPath('../../etc/passwd')).toThrow(/not valid/);
    expect(() => heartbeatPath('a/b', new Date())).toThrow(/not valid/);
  });

  it('reads paths back, and ignores beats whose folders disagree with their minute', () => {
    expect(parsePresencePath('it/presence/all/i-1.json')).toEqual({ kind: 'current', id: 'i-1' });
    expect(parsePresencePath('it/presence/flattime/2015/10/08/21/201510082113/all/i-1.json')).toEqual({ kind: 'beat', id: 'i-1', minute: '201510082113' });
    expect(parsePresencePath('it/presence/flattime/2015/10/08/22/201510082113/all/i-1.json')).toBeUndefined();
    expect(parsePresencePath('it/presence/all/..json')).toBeUndefined();
    expect(parsePresencePath('README.md')).toBeUndefined();
  });
});

describe('the presence document schema', () => {
  it('accepts what the writer writes, the SPEC example and older documents', () => {
    const written = formatPresenceDocument(presenceValueOf(event({ fields: { hostname: 'db1.example' } })).value);
    expect(parseJsonWith(presenceDocumentSchema, written)).toMatchObject({ ok: true, value: { value: { 'instance-id': 'i-4e7cb59a', hostname: 'db1.example' } } });
    expect(parseJsonWith(presenceDocumentSchema, SPEC_EXAMPLE).ok).toBe(true);
    // No filetype, an "a": "a" placeholder, a "done" state, no statelog: the original's older documents.
    expect(parseJsonWith(presenceDocumentSchema, '{"value": {"a": "a", "instance-id": "i-old", "state": "done"}}').ok).toBe(true);
  });

  it('refuses a document that is not one, naming the key and never echoing the value', () => {
    const problem = (text: string): string | undefined => {
      const parsed = parseJsonWith(presenceDocumentSchema, text);
      return parsed.ok ? undefined : parsed.problem;
    };
    expect(problem('{"value": {')).toMatch(/^not valid JSON \(/);
    expect(problem('[1]')).toBe('does not match its format: expected object, not an array');
    expect(problem('{"filetype": "<b>x</b>", "value": {"instance-id": "i-1"}}')).toBe('does not match its format: "filetype": expected "nodepresence"');
    expect(problem('{"value": {"instance-id": "../../etc/passwd"}}')).toBe('does not match its format: "value"."instance-id": not a valid instance id');
    expect(problem('{"value": {"state": "running"}}')).toBe('does not match its format: "value"."instance-id": missing (expected string)');
    expect(problem('{"value": {"instance-id": "i-1", "state": {"toString": 1}}}')).toBe('does not match its format: "value"."state": expected string, not an object');
  });

  it('drops a "__proto__" key instead of letting it become the prototype of the value', () => {
    const parsed = parseJsonWith(presenceDocumentSchema, '{"value": {"instance-id": "i-1", "__proto__": {"state": "wedged", "deployment": "evil"}}}');
    expect(parsed.ok).toBe(true);
    const value = parsed.ok ? parsed.value.value : undefined;
    expect(value?.state).toBeUndefined();
    expect(value?.deployment).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});

describe('heartbeat cadence', () => {
  const at = (iso: string): Date => new Date(iso);
  it('beats when there was no beat, and again once everyMinutes whole minutes have passed', () => {
    expect(isHeartbeatDue(undefined, at('2015-10-08T21:13:00Z'), 5)).toBe(true);
    expect(isHeartbeatDue(at('2015-10-08T21:13:50Z'), at('2015-10-08T21:17:59Z'), 5)).toBe(false);
    expect(isHeartbeatDue(at('2015-10-08T21:13:50Z'), at('2015-10-08T21:18:01Z'), 5)).toBe(true);
    expect(isHeartbeatDue(at('2015-10-08T21:13:50Z'), at('2015-10-08T21:14:02Z'), 1)).toBe(true);
    expect(isHeartbeatDue(at('2015-10-08T21:13:10Z'), at('2015-10-08T21:13:50Z'), 1)).toBe(false);
  });
});
