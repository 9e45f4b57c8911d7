import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nodegridBin } from './cli';

const root = path.resolve(import.meta.dirname, '../..');

/** The folder of the bundle this test run built (global-setup.ts): what `npm run build` puts in dist/. */
export function bundleDir(): string {
  return path.dirname(nodegridBin());
}

/**
 * `npm pack` of a staged copy of the package: the repo's package.json and README
 * with this run's bundle as dist/. Packing the repo itself would need its dist/,
 * which a concurrent `npm run build` may be rewriting. Returns the .tgz path.
 */
export function packRelease(workDir: string): string {
  const stage = path.join(workDir, 'stage');
  fs.mkdirSync(stage, { recursive: true });
  for (const file of ['package.json', 'README.md', 'LICENSE']) {
    if (fs.existsSync(path.join(root, file))) fs.copyFileSync(path.join(root, file), path.join(stage, file));
  }
  fs.cpSync(bundleDir(), path.join(stage, 'dist'), { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], { cwd: stage, env: npmEnv(workDir), encoding: 'utf8' });
  const [packed] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return path.join(workDir, packed!.filename);
}

/** The files a packed .tgz holds (as `npm pack --dry-run` would list them). */
export function tarballFiles(tgz: string): string[] {
  return execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''))
    .sort();
}

/**
 * npm with an empty cache of its own and --offline: an install that needed
 * anything from a registry fails instead of quietly downloading it.
 */
export function npmEnv(workDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Settings of an npm that started this test run (npm test) are not the user's.
    if (value !== undefined && !/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, npm_config_cache: path.join(workDir, 'npm-cache'), npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}
