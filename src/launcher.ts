/**
 * dist/nodegrid.cjs: what `nodegrid` runs. It loads the program
 * (dist/nodegrid-main.cjs) through V8's code cache, so a start deserialises
 * the functions the last run compiled instead of parsing and compiling them
 * again: a node runs `tick` every minute and `state set` on every boot.
 *
 * The cache is a file per command under the home's cache/ folder, keyed by
 * the program file's size and mtime and by the Node version; V8 checks it again (source
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
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { commandName, homeFlag } from './cli/argv';
import { currentUser, defaultHomeDir } from './config/paths';

const PROGRAM = path.join(__dirname, 'nodegrid-main.cjs');
const CACHE_PREFIX = 'v8-code-';

interface CacheSlot {
  readonly dir: string;
  /** The file name prefix of this build's caches; others are removed when one is written. */
  readonly build: string;
  readonly file: string;
}

function cacheSlot(program: fs.Stats): CacheSlot | undefined {
  if (process.env.NODEGRID_CODE_CACHE === '0') return undefined;
  const argv = process.argv.slice(2);
  const home = homeFlag(argv) || process.env.NODEGRID_HOME || defaultHomeDir(currentUser(), process.env);
  if (!fs.existsSync(home)) return undefined;
  const dir = path.join(path.resolve(home), 'cache');
  const build = `${process.version}-${process.arch}-${program.size}-${Math.floor(program.mtimeMs)}`;
  // One cache per command: each holds the functions its command compiled, and
  // a first run of --help does not leave `state set` a cache without its code.
  const name = commandName(argv) ?? 'none';
  const command = /^[a-z]{2,16}$/.test(name) ? name : 'other';
  return { dir, build: `${CACHE_PREFIX}${build}-`, file: path.join(dir, `${CACHE_PREFIX}${build}-${command}.bin`) };
}

/** Compiled code is code: only a cache this user wrote and nobody else can change is used. */
function readCache(slot: CacheSlot): Buffer | undefined {
  try {
    const fd = fs.openSync(slot.file, 'r');
    try {
      const stat = fs.fstatSync(fd);
      const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
      if (!ours || (stat.mode & 0o022) !== 0) return undefined;
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (a rename), mode 0600; the caches of other builds are removed. */
function writeCache(slot: CacheSlot, data: Buffer): void {
  try {
    fs.mkdirSync(slot.dir, { recursive: true, mode: 0o700 });
    const partial = `${slot.file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, data, { mode: 0o600 });
    fs.renameSync(partial, slot.file);
    for (const name of fs.readdirSync(slot.dir)) {
      if (name.startsWith(CACHE_PREFIX) && !name.startsWith(slot.build)) fs.rmSync(path.join(slot.dir, name), { force: true });
    }
  } catch {
    /* a read-only or full home: the next start compiles again, nothing else changes */
  }
}

function run(): void {
  const source = fs.readFileSync(PROGRAM, 'utf8');
  const slot = cacheSlot(fs.statSync(PROGRAM));
  const cachedData = slot === undefined ? undefined : readCache(slot);
  const script = new vm.Script(Module.wrap(source), {
    filename: PROGRAM,
    ...(cachedData === undefined ? {} : { cachedData }),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (slot !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit the cache holds every function this run compiled, not only the top level.
    process.once('exit', () => writeCache(slot, script.createCachedData()));
  }

  // The program is registered as an ordinary CommonJS module, so its lazily
  // loaded chunks (require('../nodegrid-main.cjs')) share this one instance.
  const program = new Module(PROGRAM);
  program.filename = PROGRAM;
  program.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(__dirname);
  (Module as unknown as { _cache: Record<string, Module> })._cache[PROGRAM] = program;
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(program.exports, program.exports, Module.createRequire(PROGRAM), program, PROGRAM, __dirname);
  program.loaded = true;
}

run();
