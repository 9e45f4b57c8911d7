#!/usr/bin/env node
import { whenCreated } from './cli/lazy-stdio';
import { main } from './cli/main';

// The AWS SDK prints a Node-version notice on Node 20; nodegrid keeps its own stderr clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `nodegrid nodes | head` closes the pipe early: that is the reader's choice, not a failure.
// Attached as each stream is made, so a start that prints nothing through it does not make it.
for (const name of ['stdout', 'stderr'] as const) {
  whenCreated(name, (stream) =>
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    }),
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`nodegrid: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
