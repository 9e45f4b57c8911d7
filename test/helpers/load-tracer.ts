import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoadTracer {
  /** Give to the process traced: NODE_OPTIONS with the hook. */
  readonly env: Record<string, string>;
  /** Every file the process loaded, in order. */
  loaded(): string[];
  remove(): void;
}

/**
 * Every bundle file a process loads: the program is CommonJS, so a --require
 * hook on Module.prototype.load sees each require()d file, the launcher first.
 */
export function loadTracer(): LoadTracer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-trace-'));
  const log = path.join(dir, 'loaded.txt');
  fs.writeFileSync(
    path.join(dir, 'trace.cjs'),
    `const fs = require('node:fs');\nconst Module = require('node:module');\nconst load = Module.prototype.load;\nModule.prototype.load = function (filename) {\n  fs.appendFileSync(${JSON.stringify(log)}, filename + '\\n');\n  return load.call(this, filename);\n};\n`,
  );
  return {
    env: { NODE_OPTIONS: `--require=${path.join(dir, 'trace.cjs')}` },
    loaded: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
