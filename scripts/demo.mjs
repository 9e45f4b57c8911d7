// `npm run demo`: nodegrid's main job on an embedded default. A temporary node
// is walked through its lifecycle with the real CLI (dist/nodegrid.mjs), and
// every record it writes is shown: the nodeinfo files, the log, the outbox and
// what a sink received. Nothing outside a temporary folder is touched.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'dist', 'nodegrid.mjs');
const tty = process.stdout.isTTY && process.env.NO_COLOR === undefined;
const bold = (text) => (tty ? `\u001b[1m${text}\u001b[0m` : text);
const dim = (text) => (tty ? `\u001b[2m${text}\u001b[0m` : text);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-demo-'));
const received = path.join(work, 'hook-received.jsonl');
const env = {
  ...process.env,
  NODEGRID_NODEINFO: path.join(work, 'nodeinfo'),
  NODEGRID_HOME: path.join(work, 'home'),
  NODEGRID_CONFIG: path.join(work, 'config.yaml'),
};
fs.writeFileSync(
  env.NODEGRID_CONFIG,
  `# an exec sink: every event arrives as JSON on the command's stdin\nsinks:\n  exec:\n    - name: hook\n      command: cat >> '${received}'\n`,
);

function nodegrid(...args) {
  console.log(bold(`$ nodegrid ${args.join(' ')}`));
  try {
    const out = execFileSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (out.trim()) console.log(out.trimEnd());
  } catch (error) {
    const text = `${error.stdout ?? ''}${error.stderr ?? ''}`.trimEnd();
    if (text) console.log(text);
    console.log(dim(`(exit ${error.status})`));
  }
}

function show(file) {
  const text = fs.readFileSync(file, 'utf8');
  console.log(`${dim(path.relative(work, file))}: ${text.trimEnd()}`);
}

console.log(`A node of stack lad1 (part db1 of deployment fed1), in ${work}\n`);
nodegrid('init', '--id', 'i-4e7cb59a', '--deployment', 'fed1', '--nodepart', 'db1', '--stacktype', 'lad1');
nodegrid('state', 'set', 'setup');
nodegrid('state', 'set', 'initdone', '--note', 'init took 104 s');
nodegrid('state', 'set', 'presetup');
nodegrid('state', 'set', 'running');
nodegrid('state');
nodegrid('state', 'set', 'wedged', '--note', 'work.sh failed 3 times');
nodegrid('state', 'set', 'setup', '--note', 'DNA fixed');
nodegrid('state', 'set', 'initdone');
nodegrid('state', 'set', 'draining');
nodegrid('state', 'set', 'drained');
nodegrid('state', 'set', 'decommissioned');
nodegrid('state', 'log');
nodegrid('outbox');

console.log(bold('\nThe records it wrote:'));
for (const file of fs.readdirSync(env.NODEGRID_NODEINFO).sort()) show(path.join(env.NODEGRID_NODEINFO, file));
show(path.join(env.NODEGRID_HOME, 'log', 'nodegrid.log'));
console.log(`${dim('what the exec sink received')} (${fs.readFileSync(received, 'utf8').trim().split('\n').length} events), the last one:`);
console.log(JSON.stringify(JSON.parse(fs.readFileSync(received, 'utf8').trim().split('\n').at(-1)), null, 2));

fs.rmSync(work, { recursive: true, force: true });
