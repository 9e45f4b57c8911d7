// What the `npm run docs` generators share: bundle a TypeScript module of src/
// with esbuild into a temporary file and import it, and write a generated
// file or, with --check, only say whether it is out of date.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The module at `entry`, bundled with everything it imports. `banner` is prepended JavaScript. */
export async function importBundled(entry, { banner } = {}) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'nodegrid-docs-'));
  try {
    const outfile = path.join(tmp, 'generator.mjs');
    await build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', ...(banner ? { banner: { js: banner } } : {}) });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Writes `text` to `file` unless it holds it already; with `check`, writes nothing and sets exit code 1 when it differs. */
export function writeGenerated(file, text, { check, what }) {
  let current;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (text === current) {
    console.log(`${file}: ${what} is up to date`);
  } else if (check) {
    console.error(`${file}: ${what} is out of date; run \`npm run docs\``);
    process.exitCode = 1;
  } else {
    writeFileSync(file, text);
    console.log(`${file}: ${what} regenerated`);
  }
}
