// Generates presence folders (it/presence/all + flattime) with a known mix of
// health and optional hostile files, for grid tests, the dashboard and the
// bench. Plain JavaScript so bench/ (run by node without a TS loader) can use it.
import fs from 'node:fs';
import path from 'node:path';

const pad = (n) => String(n).padStart(2, '0');
const minuteOf = (d) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
const tssOf = (d) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
const minuteDir = (d) => `it/presence/flattime/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/${minuteOf(d)}/all`;

/** The document as the writer formats it: sorted keys, 4-space indent, trailing newline. */
export function presenceDocument(value) {
  const sorted = Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ filetype: 'nodepresence', value: sorted }, null, 4)}\n`;
}

/** What each health looks like in presence, relative to `now`. */
const KINDS = {
  alive: { state: 'running', sinceMin: 120, beatsAgo: [0, 1, 2] },
  stale: { state: 'running', sinceMin: 120, beatsAgo: [10, 11, 12] },
  zombie: { state: 'setup', sinceMin: 60, beatsAgo: [0, 1, 2] },
  wedged: { state: 'wedged', sinceMin: 20, beatsAgo: [0, 1, 2] },
  retired: { state: 'decommissioned', sinceMin: 300, beatsAgo: [] },
  // Just reached initdone, its cron not beating yet.
  new: { state: 'initdone', sinceMin: 0, beatsAgo: [] },
};

/**
 * generatePresence(root, { now, mix: { alive: 40, stale: 2, … }, deployments, nodeparts, hostile, fields })
 * Returns { ids: { alive: [...], … }, hostile: [file names], total }.
 * Ids are "i-<kind>-<n>"; nodes are spread round-robin over deployments and nodeparts.
 */
export function generatePresence(root, options) {
  const now = options.now;
  const deployments = options.deployments ?? ['fed1'];
  const nodeparts = options.nodeparts ?? ['db1', 'app1'];
  const allDir = path.join(root, 'it/presence/all');
  fs.mkdirSync(allDir, { recursive: true });
  const madeDirs = new Set();
  const ids = {};
  let n = 0;
  for (const [kind, count] of Object.entries(options.mix)) {
    const shape = KINDS[kind];
    if (!shape) throw new Error(`unknown health ${kind}`);
    ids[kind] = [];
    for (let i = 0; i < count; i++, n++) {
      const id = `i-${kind}-${String(i).padStart(5, '0')}`;
      ids[kind].push(id);
      const since = new Date(now.getTime() - shape.sinceMin * 60_000);
      const value = {
        'instance-id': id,
        deployment: deployments[n % deployments.length],
        nodepart: nodeparts[n % nodeparts.length],
        stacktype: 'lad1',
        state: shape.state,
        statetss: tssOf(since),
        statelog: `setup:${tssOf(new Date(since.getTime() - 60_000))};${shape.state === 'setup' ? '' : `${shape.state}:${tssOf(since)};`}`,
        ...(options.fields ? options.fields(id, kind) : {}),
      };
      const text = presenceDocument(value);
      fs.writeFileSync(path.join(allDir, `${id}.json`), text);
      for (const ago of shape.beatsAgo) {
        const dir = path.join(root, minuteDir(new Date(now.getTime() - ago * 60_000)));
        if (!madeDirs.has(dir)) fs.mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
        fs.writeFileSync(path.join(dir, `${id}.json`), text);
      }
    }
  }
  const hostile = options.hostile ? writeHostile(allDir) : [];
  return { ids, hostile, total: n };
}

/** Files a reader must survive; each is skipped, the rest of the grid still seen. */
function writeHostile(allDir) {
  const files = {
    'i-corrupt.json': '{"filetype": "nodepresence", "value": {',
    'i-huge.json': presenceDocument({ 'instance-id': 'i-huge', deployment: 'fed1', nodepart: 'db1', state: 'running', note: 'x'.repeat(1024 * 1024) }),
    'i-mismatch.json': presenceDocument({ 'instance-id': 'i-alive-00000', deployment: 'fed1', nodepart: 'db1', state: 'wedged' }),
    'i-traversal.json': presenceDocument({ 'instance-id': '../../etc/passwd', deployment: 'fed1', nodepart: 'db1', state: 'running' }),
    '<img src=x onerror=alert(1)>.json': presenceDocument({ 'instance-id': 'i-markup', deployment: 'fed1', nodepart: 'db1', state: 'running' }),
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(allDir, name), text);
  return Object.keys(files);
}

export { minuteOf, tssOf };

/** A heartbeat of `id` in the flattime minute of `at`, carrying the node's current document. */
export function writeBeat(root, id, at) {
  const dir = path.join(root, minuteDir(at));
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(root, 'it/presence/all', `${id}.json`), path.join(dir, `${id}.json`));
}

/** Rewrites a node's current document with changed values (a state change as presence would show it). */
export function updateDocument(root, id, changes) {
  const file = path.join(root, 'it/presence/all', `${id}.json`);
  const value = { ...JSON.parse(fs.readFileSync(file, 'utf8')).value, ...changes };
  fs.writeFileSync(file, presenceDocument(value));
}
