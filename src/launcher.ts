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
 * It also names the build for the program (sys/build-id.ts), so the program's
 * own caches (the validated config) know a new build when they see one.
 *
 * CommonJS, not ESM, on purpose: Node 20 has no code cache for ES modules,
 * and starting its ES module loader costs more than this whole file.
 */
// Named imports: a default import of a built-in is copied property by property into an
// interop object by the bundler, a measurable part of a start this file exists to shorten.
import { type Stats, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import type ModuleClass from 'node:module';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';
import { commandName, homeFlag } from './cli/argv';
import { currentUser, defaultHomeDir } from './config/paths';
import { announceBuild } from './sys/build-id';
import { readPrivateFile, writePrivateFile } from './sys/private-file';

/**
 * The CommonJS Module class, as this file's own module's constructor: the
 * 'node:module' built-in would be the same class, but loading it starts
 * Node's ES module loader too (for module.register), which nothing here uses.
 */
const Module = module.constructor as typeof ModuleClass;
type Module = ModuleClass;
const DIST = `${__dirname}${sep}`;
const launcherRequire = Module.createRequire(__filename);
const PROGRAM = join(__dirname, 'nodegrid-main.cjs');
const CACHE_PREFIX = 'v8-code-';

interface CacheSlot {
  /** $NODEGRID_HOME/cache */
  readonly dir: string;
  /** cache/v8-code-<build>: this build's caches; other builds' folders are removed when this one is written. */
  readonly build: string;
  /** cache/v8-code-<build>/<command>: a cache per file of dist/ the command loads. */
  readonly command: string;
}

/** This Node and this program file: a cache made by anything else is not used (sys/build-id.ts). */
function buildName(program: Stats): string {
  return `${process.version}-${process.arch}-${program.size}-${Math.floor(program.mtimeMs)}`;
}

function cacheSlot(build: string): CacheSlot | undefined {
  if (process.env.NODEGRID_CODE_CACHE === '0') return undefined;
  const argv = process.argv.slice(2);
  const home = homeFlag(argv) || process.env.NODEGRID_HOME || defaultHomeDir(currentUser(), process.env);
  if (!existsSync(home)) return undefined;
  const dir = join(resolve(home), 'cache');
  // One cache per command: each holds the functions its command compiled, and
  // a first run of --help does not leave `state set` a cache without its code.
  const name = commandName(argv) ?? 'none';
  const command = /^[a-z]{2,16}$/.test(name) ? name : 'other';
  return { dir, build: join(dir, `${CACHE_PREFIX}${build}`), command: join(dir, `${CACHE_PREFIX}${build}`, command) };
}

/** Other builds' caches are of no use to this one: removed when this build writes its own. */
function removeOtherBuilds(slot: CacheSlot): void {
  try {
    for (const name of readdirSync(slot.dir)) {
      const entry = join(slot.dir, name);
      if (name.startsWith(CACHE_PREFIX) && entry !== slot.build) rmSync(entry, { recursive: true, force: true });
    }
  } catch {
    /* a folder we cannot change: the next build's first run tries again */
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
    // Compiled code is code: only a cache this user wrote and nobody else can read or change is used.
    const cachedData = readPrivateFile(file);
    const script = new Script(Module.wrap(content), {
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
    if (fresh.length === 0) return;
    // A read-only or full home: the next start compiles again, nothing else changes.
    for (const { script, file } of fresh) writePrivateFile(file, script.createCachedData());
    removeOtherBuilds(slot);
  });
}

const build = buildName(statSync(PROGRAM));
announceBuild(build);
const slot = cacheSlot(build);
if (slot !== undefined) compileThroughCache(slot);
launcherRequire(PROGRAM);
