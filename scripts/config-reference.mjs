// Writes the README's configuration reference (between the config-reference
// markers) from the config schema: `npm run docs`. With --check it changes
// nothing and exits 1 when the README is out of date.
// The generator is TypeScript (src/config/reference.ts); esbuild bundles it to a
// temporary file first, as scripts/build.mjs does for the CLI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
// `--readme FILE` works on another copy (the tests use it); the default is the repo's README.md.
const readmeFlag = process.argv.indexOf('--readme');
const readmePath = readmeFlag === -1 ? path.join(root, 'README.md') : path.resolve(process.argv[readmeFlag + 1] ?? '');
const check = process.argv.includes('--check');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'nodegrid-docs-'));
let reference;
try {
  const outfile = path.join(tmp, 'reference.mjs');
  await build({ entryPoints: [path.join(root, 'src/config/reference.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  reference = await import(pathToFileURL(outfile).href);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const readme = readFileSync(readmePath, 'utf8');
const updated = reference.replaceReferenceBlock(readme, reference.renderConfigReference());
if (updated === readme) {
  console.log(`${readmePath}: configuration reference is up to date`);
} else if (check) {
  console.error(`${readmePath}: configuration reference is out of date; run \`npm run docs\``);
  process.exitCode = 1;
} else {
  writeFileSync(readmePath, updated);
  console.log(`${readmePath}: configuration reference regenerated`);
}
