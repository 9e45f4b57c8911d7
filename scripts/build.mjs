// Bundles src/ into dist/: one entry (dist/nodegrid.mjs) that runs with no
// node_modules, and heavy optional parts (yaml, the AWS SDK) in chunk files
// under dist/chunks/ that are loaded only when used. esbuild would otherwise
// inline every dynamic import() into the entry and V8 would compile it on every start.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
let commit = process.env.NODEGRID_BUILD_COMMIT ?? 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {
  /* not a git checkout (an unpacked tarball): keep "unknown" */
}

// `node scripts/build.mjs [OUTDIR]`: tests build their own copy so parallel runs never share one.
const outdir = process.argv[2] ? new URL(process.argv[2], `file://${process.cwd()}/`).pathname : `${root}dist`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { nodegrid: `${root}src/nodegrid.ts` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: {
    __NODEGRID_VERSION__: JSON.stringify(pkg.version),
    __NODEGRID_COMMIT__: JSON.stringify(commit),
  },
  // CommonJS dependencies (the AWS SDK) call require(); give ESM chunks a real one.
  banner: {
    js: "import { createRequire as __ngCreateRequire } from 'node:module'; const require = __ngCreateRequire(import.meta.url);",
  },
});

// The dashboard's page (nodegrid serve): a browser bundle and its static files
// in web/ beside the entry, so a copied dist/ folder serves it with nothing else.
const pageDir = `${root}src/web/page/`;
await build({
  entryPoints: { app: `${pageDir}main.ts` },
  outdir: `${outdir}/web`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(`${pageDir}${file}`, `${outdir}/web/${file}`);
