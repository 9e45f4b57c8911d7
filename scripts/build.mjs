// Bundles src/ into dist/, which runs with no node_modules: the executable
// dist/nodegrid.cjs (a small launcher), the program dist/nodegrid-main.cjs
// (everything a node's every-minute commands need, one file), and the heavy
// or rarely used parts (observer commands, yaml, the AWS SDK) in chunk files
// under dist/chunks/ that are loaded only when used.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { hotPathChunks, hotPathStarts } from './lib/hot-path-chunks.mjs';

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
const define = {
  __NODEGRID_VERSION__: JSON.stringify(pkg.version),
  __NODEGRID_COMMIT__: JSON.stringify(commit),
};

// commander requires node:child_process when it loads, for executable
// subcommands (`git-style`), which nodegrid has none of: loading it (and net,
// stream, dgram under it) cost every start some 5 ms. commander gets a
// stand-in that requires it on the first spawn.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    const commander = `${path.sep}node_modules${path.sep}commander${path.sep}`;
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (args.importer.includes(commander) ? { path: 'child_process', namespace: 'commander-lazy' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'commander-lazy' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

/** What a node runs unattended, on every boot and every minute: the source files each run loads (scripts/lib/hot-path-chunks.mjs). */
const HOT_PATHS = {
  state: ['src/cli/state.ts'],
  tick: ['src/cli/tick.ts', 'src/heartbeat/tick.ts', 'src/heartbeat/leave-on-signal.ts', 'src/cli/tick-requests.ts'],
};

// 1. esbuild: TypeScript and node_modules into ES modules, the lazily loaded
//    parts (commands, the AWS SDK, yaml, nodemailer) split out at their import().
const stage = mkdtempSync(path.join(os.tmpdir(), 'nodegrid-build-'));
const { metafile } = await build({
  entryPoints: { nodegrid: `${root}src/nodegrid.ts` },
  outdir: stage,
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
  define,
  plugins: [lazyChildProcessForCommander],
  metafile: true,
});

// 2. rollup, over esbuild's chunks: esbuild puts everything the entry shares
//    with a lazy part into a shared chunk of its own, so a start loaded some
//    60 files. rollup keeps what the entry loads anyway in the entry (a lazy
//    chunk takes it from there), so a start reads one file, and it writes
//    CommonJS, which loads faster than ES modules on Node 20 and can use
//    V8's code cache (see src/launcher.ts). The hot paths' chunks are
//    merged into a few (scripts/lib/hot-path-chunks.mjs).
const entry = path.join(stage, 'nodegrid.mjs');
const bundle = await rollup({
  input: entry,
  external: (id) => id.startsWith('node:') || builtinModules.includes(id),
  treeshake: false, // esbuild has shaken it already
  onwarn: (warning, warn) => {
    if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning);
  },
});
await bundle.write({
  dir: outdir,
  format: 'cjs',
  entryFileNames: 'nodegrid-main.cjs',
  chunkFileNames: 'chunks/[name]-[hash].cjs',
  manualChunks: hotPathChunks(entry, hotPathStarts(metafile, root, HOT_PATHS)),
  compact: true,
  // import('node:https') becomes a require(): no ES module loader to start for a built-in.
  dynamicImportInCjs: false,
});
await bundle.close();
rmSync(stage, { recursive: true, force: true });
// The launcher is the executable; the program it loads keeps no #! line.
const mainFile = path.join(outdir, 'nodegrid-main.cjs');
writeFileSync(mainFile, readFileSync(mainFile, 'utf8').replace(/^#!.*\n/, ''));

// 3. The launcher, `nodegrid` itself: loads the program through the code cache.
await build({
  entryPoints: { nodegrid: `${root}src/launcher.ts` },
  outdir,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.cjs' },
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync(path.join(outdir, 'nodegrid.cjs'), 0o755);

// dist/nodegrid.mjs was the executable's name before: cron lines and unit files
// written by `install` name it, so it stays, handing over to the launcher.
writeFileSync(
  path.join(outdir, 'nodegrid.mjs'),
  "#!/usr/bin/env node\n// The old name of dist/nodegrid.cjs (kept for cron lines and units that name it).\nimport { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./nodegrid.cjs');\n",
  { mode: 0o755 },
);

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
