/**
 * dist/nodegrid.cjs: what `nodegrid` runs. It loads the program
 * (dist/nodegrid-main.cjs and the chunks of the command run) through V8's
 * code cache, so a start deserialises the functions the last run compiled
 * instead of parsing and compiling them again: a node runs `tick` every
 * minute and `state set` on every boot.
 *
 * The cache is a file per command and bundle file, in a folder of the home's
 * cache/ named by the program file's size and mtime and by the Node version; V8 checks it again (source
 * length, V8 version, flags) and a rejected cache is replaced after the run.
 * It is only ever a saving: any failure reading or writing it is ignored and
 * the program is compiled as usual. The home is the one given by --home or
 * NODEGRID_HOME, else the default; a config file's `home:` is not read here
 * (that would cost the config parse this file exists to spare). A home that
 * does not exist gets no cache: `nodegrid --help` never creates a folder.
 *
 * CommonJS, not ESM, on purpose: Node 20 has no code cache for ES modules,
 * and starting its ES module loader costs more than this whole file.
 */
// Named imports: a default import of a built-in is copied property by property into an
// interop object by the bundler, a measurable part of a start this file exists to shorten.
import { type Stats, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, Module, wrap } from 'node:module';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';
import { commandName, homeFlag } from './cli/argv';
import { currentUser, defaultHomeDir } from './config/paths';

const DIST = `${__dirname}${sep}`;
const launcherRequire = createRequire(__filename);
const PROGRAM = join(__dirname, 'nodegrid-main.cjs');
const CACHE_PREFIX = 'v8-code-';

interface CacheSlot {
  /** $NODEGRID_HOME/cache */
  readonly dir: string;
  /** cache/v8-code-<build>: this build's caches; other builds' folders are removed when one is written. */
  readonly build: string;
  /** cache/v8-code-<build>/<command>: a cache per file of dist/ the command loads. */
  readonly command: string;
}

function cacheSlot(program: Stats): CacheSlot | undefined {
  if (process.env.NODEGRID_CODE_CACHE === '0') return undefined;
  const argv = process.argv.slice(2);
  const home = homeFlag(argv) || process.env.NODEGRID_HOME || defaultHomeDir(currentUser(), process.env);
  if (!existsSync(home)) return undefined;
  const dir = join(resolve(home), 'cache');
  const build = `${process.version}-${process.arch}-${program.size}-${Math.floor(program.mtimeMs)}`;
  // One cache per command: each holds the functions its command compiled, and
  // a first run of --help does not leave `state set` a cache without its code.
  const name = commandName(argv) ?? 'none';
  const command = /^[a-z]{2,16}$/.test(name) ? name : 'other';
  return { dir, build: join(dir, `${CACHE_PREFIX}${build}`), command: join(dir, `${CACHE_PREFIX}${build}`, command) };
}

/** Compiled code is code: only a cache this user wrote and nobody else can change is used. */
function readCache(file: string): Buffer | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const stat = fstatSync(fd);
      const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
      if (!ours || (stat.mode & 0o022) !== 0) return undefined;
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (a rename), mode 0600; the caches of other builds are removed. */
function writeCache(slot: CacheSlot, file: string, data: Buffer): void {
  try {
    mkdirSync(slot.command, { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, data, { mode: 0o600 });
    renameSync(partial, file);
    for (const name of readdirSync(slot.dir)) {
      const entry = join(slot.dir, name);
      if (name.startsWith(CACHE_PREFIX) && entry !== slot.build) rmSync(entry, { recursive: true, force: true });
    }
  } catch {
    /* a read-only or full home: the next start compiles again, nothing else changes */
  }
}

type Compile = (this: Module, content: string, filename: string) => unknown;
type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => unknown;
const internals = Module as unknown as { prototype: { _compile: Compile }; _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string; _cache: NodeJS.Dict<NodeJS.Module> };

/** What the module wrapper gets as `require`: the module's own, as Node builds it. */
function requireFor(module: Module): NodeJS.Require {
  const require = ((id: string): unknown => module.require(id)) as NodeJS.Require;
  require.resolve = ((request: string, options?: unknown) => internals._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  require.cache = internals._cache;
  require.main = launcherRequire.main;
  return require;
}

/**
 * Our own files (the program and its chunks, all beside this one) are compiled
 * with their cache; any other module as Node does. At exit, the files that had
 * no usable cache get one, holding every function this run compiled.
 */
function compileThroughCache(slot: CacheSlot): void {
  const original = internals.prototype._compile;
  const fresh: Array<{ script: Script; file: string }> = [];
  internals.prototype._compile = function compile(this: Module, content: string, filename: string): unknown {
    if (!filename.startsWith(DIST) || !filename.endsWith('.cjs')) return original.call(this, content, filename);
    const file = join(slot.command, `${basename(filename, '.cjs')}.bin`);
    const cachedData = readCache(file);
    const script = new Script(wrap(content), {
      filename,
      ...(cachedData === undefined ? {} : { cachedData }),
      importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData === undefined || script.cachedDataRejected === true) fresh.push({ script, file });
    const wrapper = script.runInThisContext() as ModuleWrapper;
    const result: unknown = wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
    return result;
  };
  process.once('exit', () => {
    for (const { script, file } of fresh) writeCache(slot, file, script.createCachedData());
  });
}

const slot = cacheSlot(statSync(PROGRAM));
if (slot !== undefined) compileThroughCache(slot);
launcherRequire(PROGRAM);
