// Writes src/cli/command-list.json, what `nodegrid --help` lists of each
// command, from the real registrations: `npm run docs`. With --check it
// changes nothing and exits 1 when the file is out of date.
// The generator is TypeScript (src/cli/command-list.ts); esbuild bundles it to a
// temporary file first, as scripts/config-reference.mjs does.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
// `--out FILE` works on another copy (the tests use it); the default is the repo's file.
const outFlag = process.argv.indexOf('--out');
const listPath = outFlag === -1 ? path.join(root, 'src/cli/command-list.json') : path.resolve(process.argv[outFlag + 1] ?? '');
const check = process.argv.includes('--check');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'nodegrid-command-list-'));
let text;
try {
  const outfile = path.join(tmp, 'command-list.mjs');
  // Every command's module is bundled in (no splitting): the AWS SDK's CommonJS needs a require.
  await build({
    entryPoints: [path.join(root, 'src/cli/command-list.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  text = await (await import(pathToFileURL(outfile).href)).renderCommandList();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

let current;
try {
  current = readFileSync(listPath, 'utf8');
} catch {
  current = undefined;
}
if (text === current) {
  console.log(`${listPath}: command list is up to date`);
} else if (check) {
  console.error(`${listPath}: command list is out of date; run \`npm run docs\``);
  process.exitCode = 1;
} else {
  writeFileSync(listPath, text);
  console.log(`${listPath}: command list regenerated`);
}
