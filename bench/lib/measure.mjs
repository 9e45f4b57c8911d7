// Small measuring tools shared by the benchmark scenarios.
import { spawn } from 'node:child_process';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Runs a command as a whole process and returns wall time (ms) and peak RSS (KB),
 * read from GNU time when it is installed, else from /proc of the child at exit
 * is not possible, so RSS is reported as null.
 */
export function timeProcess(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const useGnuTime = options.gnuTime !== false && hasGnuTime;
    const argv = useGnuTime ? ['-f', '%M', command, ...args] : args;
    const start = process.hrtime.bigint();
    const child = spawn(useGnuTime ? '/usr/bin/time' : command, argv, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const rssKb = useGnuTime ? Number(stderr.trim().split('\n').at(-1)) : null;
      if (code !== 0 && !options.allowFailure) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ ms, rssKb: Number.isFinite(rssKb) ? rssKb : null, code });
    });
  });
}

import { existsSync } from 'node:fs';
const hasGnuTime = existsSync('/usr/bin/time');

export function fmtMs(ms) {
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function fmtMb(kb) {
  return kb == null ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`;
}

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  return rows.map((row) => row.map((cell, i) => String(cell).padEnd(widths[i])).join('  ')).join('\n');
}
