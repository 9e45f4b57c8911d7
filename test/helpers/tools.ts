import fs from 'node:fs';
import path from 'node:path';
import { cephAvailable } from './ceph-rgw.mjs';
import { CHROMIUM } from './dashboard.mjs';

/**
 * The real tools some tests start: Ceph (the S3 store), Debian's Chromium
 * (the dashboard), promtool/Prometheus (the metrics) and python3 (the
 * README's webhook verification snippet). `.ci/run` installs
 * them and sets CI=true, where a missing one fails the run; on a laptop
 * without them, the tests that need them are skipped with one line saying
 * what to install.
 */
export type Tool = 'ceph' | 'chromium' | 'prometheus' | 'python3';

const INSTALL: Record<Tool, string> = {
  ceph: 'apt-get install ceph-mon ceph-osd radosgw ceph-common uuid-runtime',
  chromium: 'apt-get install chromium (or set NODEGRID_CHROMIUM)',
  prometheus: 'apt-get install prometheus',
  python3: 'apt-get install python3',
};

function onPath(name: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((dir) => fs.existsSync(path.join(dir, name)));
}

function installed(tool: Tool): boolean {
  if (tool === 'ceph') return cephAvailable();
  if (tool === 'chromium') return fs.existsSync(CHROMIUM);
  if (tool === 'python3') return onPath('python3');
  return onPath('promtool') && onPath('prometheus');
}

/** Whether the tests of `file` that need `tool` can run here; throws under CI=true when it is missing. */
export function hasTool(tool: Tool, file: string): boolean {
  if (installed(tool)) return true;
  const line = `${path.basename(file)}: needs ${tool}, not installed here (${INSTALL[tool]})`;
  if (process.env.CI === 'true') throw new Error(`${line}; under CI=true every tool the tests use must be there`);
  process.stderr.write(`skipping ${line}\n`);
  return false;
}
