import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod/mini';
import { NodegridError, errorMessage } from '../core/errors';
import { buildLifecycle, type Lifecycle } from '../core/lifecycle';
import { currentUser, defaultConfigPath, defaultHomeDir, defaultNodeinfoDir, defaultRepoDir, type Env, type UserContext } from './paths';
import type { Config } from './schema';
import { recallValidatedConfig, rememberValidatedConfig } from './validated-cache';

/** Where a setting came from; `nodegrid info` shows it. Precedence: flag > env > config > default. */
export type SettingSource = 'flag' | 'env' | 'config' | 'default';

export interface Located {
  readonly path: string;
  readonly source: SettingSource;
}

export interface Settings {
  readonly config: Config;
  readonly configFile: Located & { readonly exists: boolean };
  readonly nodeinfoDir: Located;
  readonly homeDir: Located;
  readonly lifecycle: Lifecycle;
}

export interface GlobalFlags {
  readonly config?: string | undefined;
  readonly nodeinfo?: string | undefined;
  readonly home?: string | undefined;
}

/** The first of flag, env, config value, default that is set, and which one it was. */
export function pickSetting<T>(flag: T | undefined, env: T | undefined, config: T | undefined, fallback: T): { value: T; source: SettingSource } {
  if (flag !== undefined) return { value: flag, source: 'flag' };
  if (env !== undefined) return { value: env, source: 'env' };
  if (config !== undefined) return { value: config, source: 'config' };
  return { value: fallback, source: 'default' };
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

export async function loadSettings(flags: GlobalFlags, env: Env = process.env, user: UserContext = currentUser()): Promise<Settings> {
  const configChoice = pickSetting(nonEmpty(flags.config), nonEmpty(env.NODEGRID_CONFIG), undefined, defaultConfigPath(user, env));
  const configPath = path.resolve(configChoice.value);
  const raw = readConfigText(configPath, configChoice.source !== 'default');
  const config = await validatedConfig(raw, configPath, nonEmpty(flags.home) ?? nonEmpty(env.NODEGRID_HOME) ?? defaultHomeDir(user, env));

  const lifecycleResult = buildLifecycle(config.lifecycle);
  if (lifecycleResult.problems.length > 0) {
    throw new NodegridError('E_CONFIG', `config file ${configPath}: ${lifecycleResult.problems.join('; ')}`);
  }

  const home = pickSetting(nonEmpty(flags.home), nonEmpty(env.NODEGRID_HOME), config.home, defaultHomeDir(user, env));
  const homePath = path.resolve(home.value);
  const nodeinfo = pickSetting(nonEmpty(flags.nodeinfo), nonEmpty(env.NODEGRID_NODEINFO), config.nodeinfo, defaultNodeinfoDir(user, homePath));

  return {
    config,
    configFile: { path: configPath, source: configChoice.source, exists: raw !== undefined },
    homeDir: { path: homePath, source: home.source },
    nodeinfoDir: { path: path.resolve(nodeinfo.value), source: nodeinfo.source },
    lifecycle: lifecycleResult.lifecycle,
  };
}

/**
 * The config as the schema gives it, or as it gave it last time for the same
 * text (config/validated-cache.ts). The cache lives in the home the launcher
 * uses, from flag, env or default: a config's own `home:` is only known after
 * the config is read.
 */
async function validatedConfig(raw: string | undefined, configPath: string, cacheHome: string): Promise<Config> {
  const home = path.resolve(cacheHome);
  const recalled = recallValidatedConfig(home, configPath, raw);
  if (recalled !== undefined) return recalled;
  const { configSchema, defaultConfig } = await import('./schema');
  const config = raw === undefined ? defaultConfig() : await parseConfigText(raw, configPath);
  rememberValidatedConfig(home, configPath, raw, config, configSchema);
  return config;
}

/**
 * The git repos a node follows (`tick --repo-dir`): flag, NODEGRID_REPO_DIR, heartbeat.repoDir,
 * the default; with where it came from, so a folder that is not there is traced to what named it.
 */
export function repoDirSetting(flag: string | undefined, env: Env, configured: string | undefined, user: UserContext): Located {
  const choice = pickSetting(flag, nonEmpty(env.NODEGRID_REPO_DIR), configured, defaultRepoDir(user));
  return { path: path.resolve(choice.value), source: choice.source };
}

/** Far above any real config (the example is 3 KB); a bigger file is a mistake or an attack, refused before it is read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * A missing default config means defaults; a config the user named must exist.
 * Only a regular file of at most MAX_CONFIG_BYTES is read: /dev/zero would fill
 * memory and a FIFO would wait for a writer forever.
 */
function readConfigText(configPath: string, named: boolean): string | undefined {
  let fd: number;
  try {
    const kind = fileKind(fs.statSync(configPath));
    if (kind !== undefined) throw notRegular(configPath, kind);
    // O_NONBLOCK: if a FIFO is swapped in after the check, opening it does not wait for a writer.
    fd = fs.openSync(configPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (error instanceof NodegridError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !named) return undefined;
    if (code === 'ENOENT') throw new NodegridError('E_CONFIG', `config file ${configPath} does not exist`, { hint: 'check --config / NODEGRID_CONFIG' });
    throw new NodegridError('E_CONFIG', `config file ${configPath} cannot be read: ${errorMessage(error)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    const kind = fileKind(stat);
    if (kind !== undefined) throw notRegular(configPath, kind);
    if (stat.size > MAX_CONFIG_BYTES) throw tooLarge(configPath, stat.size);
    // Read one byte past the bound, so a file that grows after the check is still refused.
    const buffer = Buffer.allocUnsafe(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_CONFIG_BYTES) throw tooLarge(configPath, length);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof NodegridError) throw error;
    throw new NodegridError('E_CONFIG', `config file ${configPath} cannot be read: ${errorMessage(error)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** undefined for a regular file, else what it is. */
function fileKind(stat: fs.Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(configPath: string, kind: string): NodegridError {
  return new NodegridError('E_CONFIG', `config file ${configPath} is ${kind}, not a regular file; refusing to read it`, { hint: 'point --config / NODEGRID_CONFIG at a YAML or JSON file' });
}

function tooLarge(configPath: string, size: number): NodegridError {
  return new NodegridError('E_CONFIG', `config file ${configPath} is ${size > MAX_CONFIG_BYTES + 1 ? `${(size / 1024 / 1024).toFixed(1)} MiB` : 'over 1 MiB'}; a config may be at most 1 MiB`, {
    hint: 'check that --config / NODEGRID_CONFIG names the config file',
  });
}

/** YAML or JSON, chosen by content. YAML's parser is loaded only when needed (it is a separate chunk). */
export async function parseConfigText(text: string, configPath: string): Promise<Config> {
  let data: unknown;
  const trimmed = text.trimStart();
  try {
    if (trimmed.startsWith('{')) {
      data = JSON.parse(text);
    } else {
      data = trimmed === '' ? {} : (await loadYamlParser())(text, { prettyErrors: true });
    }
  } catch (error) {
    const json = trimmed.startsWith('{');
    throw new NodegridError('E_CONFIG', `config file ${configPath} is not valid ${json ? 'JSON' : 'YAML'}${json ? jsonProblem(error, text) : yamlProblem(error)}`);
  }
  data ??= {};
  // The schema is a chunk of its own: a start whose config is in the cache never loads it.
  const { configSchema } = await import('./schema');
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const details = result.error.issues.map(formatIssue).join('; ');
    throw new NodegridError('E_CONFIG', `config file ${configPath}: ${details}`, { hint: 'see the configuration reference in the README' });
  }
  return result.data;
}

/**
 * " at line 3, column 1: Map keys must be unique". yaml's pretty message goes on
 * with the offending source line and a caret, which may show a secret: only the
 * position (its linePos) and the problem are kept.
 */
function yamlProblem(error: unknown): string {
  const { linePos } = error as { linePos?: ReadonlyArray<{ line: number; col: number }> };
  const problem = errorMessage(error).replace(/ at line \d+, column \d+:[\s\S]*$/, '').split('\n')[0]!.trim();
  const at = linePos?.[0] ? ` at line ${linePos[0].line}, column ${linePos[0].col}` : '';
  return `${at}: ${problem}`;
}

/** The same for JSON: V8 quotes the text around the problem (a secret, maybe), and gives a position, not a line. */
function jsonProblem(error: unknown, text: string): string {
  const message = errorMessage(error);
  const position = /at position (\d+)/.exec(message);
  const problem = message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '').split('\n')[0]!.trim();
  if (!position) return `: ${problem}`;
  const before = text.slice(0, Number(position[1])).split('\n');
  return ` at line ${before.length}, column ${before.at(-1)!.length + 1}: ${problem}`;
}

/** yaml is CommonJS: bundled as a lazy chunk it arrives as a default export, from source with named ones. */
async function loadYamlParser(): Promise<typeof import('yaml').parse> {
  const module = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
  return typeof module.parse === 'function' ? module.parse : module.default!.parse;
}

export function formatKeyPath(pathParts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of pathParts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** "chat.destinations[1].type: expected one of slack, discord, …". Never echoes values: they may be secrets. */
function formatIssue(issue: z.core.$ZodIssue): string {
  const where = formatKeyPath(issue.path);
  switch (issue.code) {
    case 'invalid_value':
      return `${where}: expected one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    case 'invalid_type':
      return `${where}: expected ${issue.expected}`;
    case 'invalid_format':
      if (issue.format === 'url') return `${where}: expected an http(s) URL`;
      // Every pattern in the schema says in words what it wants ("a branch name"): "expected regex" would help nobody.
      // ("a sink name is 1-64 characters …" reads "expected a sink name: 1-64 characters …").
      if (issue.format === 'regex' && !issue.message.startsWith('Invalid')) return `${where}: expected ${issue.message.replace(/^(an? [a-z ]+?) is /, '$1: ')}`;
      return `${where}: expected ${issue.format}`;
    default:
      return `${where}: ${issue.message}`;
  }
}
