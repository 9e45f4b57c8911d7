// Writes src/cli/command-list.json, what `nodegrid --help` lists of each
// command, from the real registrations: `npm run docs`. With --check it
// changes nothing and exits 1 when the file is out of date.
// The generator is TypeScript (src/cli/command-list.ts), bundled first (scripts/lib/generated-file.mjs).
import path from 'node:path';
import { importBundled, writeGenerated } from './lib/generated-file.mjs';

const root = new URL('..', import.meta.url).pathname;
// `--out FILE` works on another copy (the tests use it); the default is the repo's file.
const outFlag = process.argv.indexOf('--out');
const listPath = outFlag === -1 ? path.join(root, 'src/cli/command-list.json') : path.resolve(process.argv[outFlag + 1] ?? '');
const check = process.argv.includes('--check');

// Every command's module is bundled in (no splitting): the AWS SDK's CommonJS needs a require.
const generator = await importBundled(path.join(root, 'src/cli/command-list.ts'), {
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
});
writeGenerated(listPath, await generator.renderCommandList(), { check, what: 'command list' });
