import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Builds the bundle once per test run into a folder of its own, so the CLI is
 * tested as the process users run (dist/nodegrid.cjs), and two test runs never
 * rebuild each other's copy (nor two projects of one run: each gets its own).
 */
export default function setup(project: TestProject): () => void {
  const root = path.resolve(import.meta.dirname, '../..');
  const distDir = path.join(root, '.tmp', `dist-${process.pid}-${project.name}`);
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), distDir], { stdio: 'inherit' });
  project.provide('nodegridBin', path.join(distDir, 'nodegrid.cjs'));
  return () => fs.rmSync(distDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    nodegridBin: string;
  }
}
