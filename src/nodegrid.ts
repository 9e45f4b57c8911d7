#!/usr/bin/env node
import { main } from './cli/main';

// The AWS SDK prints a Node-version notice on Node 20; nodegrid keeps its own stderr clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`nodegrid: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
