import fs from 'node:fs';
import path from 'node:path';

/**
 * A ref of our own bare clone, read and written in-process (a loose ref file,
 * else packed-refs): a delivery need not start `git rev-parse` or
 * `git update-ref` for a value it can read from one file. Only for clones
 * nodegrid owns and uses under its clone lock.
 */
export function readRef(gitDir: string, ref: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(gitDir, ref), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(text)) return text;
  } catch {
    /* not loose: look in packed-refs */
  }
  let packed: string;
  try {
    packed = fs.readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of packed.split('\n')) {
    if (line.length > 41 && line.slice(41) === ref && /^[0-9a-f]{40} /.test(line)) return line.slice(0, 40);
  }
  return undefined;
}

/** Points `ref` at `sha` (a loose ref file, made aside and renamed, so a kill leaves the old value or the new). */
export function writeRef(gitDir: string, ref: string, sha: string): void {
  const file = path.join(gitDir, ref);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.nodegrid-${process.pid}.tmp`;
  fs.writeFileSync(temp, `${sha}\n`);
  fs.renameSync(temp, file);
}
