// `npm run bench [-- NAME ...]`: runs the benchmark scenarios under bench/scenarios/
// (all of them, or those named) against the built dist/, each printing medians
// and ratios against the original approach measured in the same run.
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const wanted = process.argv.slice(2);
const files = readdirSync(path.join(import.meta.dirname, 'scenarios'))
  .filter((file) => file.endsWith('.mjs'))
  .sort();
const context = { root, bin: path.join(root, 'dist', 'nodegrid.cjs') };

let failed = false;
for (const file of files) {
  const scenario = await import(path.join(import.meta.dirname, 'scenarios', file));
  if (wanted.length > 0 && !wanted.includes(scenario.name)) continue;
  if (wanted.length === 0 && scenario.onlyWhenNamed) continue;
  console.log(`\n== ${scenario.name}: ${scenario.title}`);
  try {
    await scenario.run(context);
  } catch (error) {
    failed = true;
    console.log(`scenario ${scenario.name} failed: ${error.stack ?? error}`);
  }
}
process.exitCode = failed ? 1 : 0;
