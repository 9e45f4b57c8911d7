// Writes the README's configuration reference (between the config-reference
// markers) from the config schema: `npm run docs`. With --check it changes
// nothing and exits 1 when the README is out of date.
// The generator is TypeScript (src/config/reference.ts), bundled first (scripts/lib/generated-file.mjs).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importBundled, writeGenerated } from './lib/generated-file.mjs';

const root = new URL('..', import.meta.url).pathname;
// `--readme FILE` works on another copy (the tests use it); the default is the repo's README.md.
const readmeFlag = process.argv.indexOf('--readme');
const readmePath = readmeFlag === -1 ? path.join(root, 'README.md') : path.resolve(process.argv[readmeFlag + 1] ?? '');
const check = process.argv.includes('--check');

const reference = await importBundled(path.join(root, 'src/config/reference.ts'));
const readme = readFileSync(readmePath, 'utf8');
writeGenerated(readmePath, reference.replaceReferenceBlock(readme, reference.renderConfigReference()), { check, what: 'configuration reference' });
