import type { ExecSinkConfig } from '../../config/schema';
import type { NodeEvent } from '../../core/event';
import { formatTimeout } from '../../core/time';
import { runProcess } from '../../sys/process';
import type { DeliveryContext, DeliveryOutcome, Sink } from '../sink';

const OUTPUT_TAIL = 400;

/** Runs the command once per event; exit 0 means delivered. */
export class ExecSink implements Sink {
  constructor(private readonly config: ExecSinkConfig) {}

  async deliver(events: readonly NodeEvent[], context: DeliveryContext): Promise<DeliveryOutcome> {
    const event = events[0];
    if (!event) return { delivered: 0 };
    const timeoutMs = Math.min(this.config.timeoutSeconds * 1000, Math.max(0, context.deadline - Date.now()));
    const result = await runWithStdin(this.config.command, `${JSON.stringify(event)}\n`, timeoutMs, eventEnvironment(event));
    if (result.ok) return { delivered: 1 };
    const tail = lastLine(result.output);
    // The message is redacted by the outbox, which knows the node's secrets.
    return { delivered: 0, failure: { message: `exec sink ${this.config.name}: ${result.reason}${tail ? `: ${tail}` : ''}` } };
  }
}

/**
 * The command's last line, at most OUTPUT_TAIL characters, cut at a word: the
 * outbox redacts the message, and half a secret is no longer recognisable.
 */
function lastLine(output: string): string {
  const line = output.trim().split('\n').at(-1)?.trim() ?? '';
  if (line.length <= OUTPUT_TAIL) return line;
  const cut = line.slice(0, OUTPUT_TAIL + 1);
  const word = cut.search(/\s\S*$/);
  return word <= 0 ? '' : `${cut.slice(0, word)} …`;
}

function eventEnvironment(event: NodeEvent): Record<string, string> {
  return {
    NODEGRID_EVENT_ID: event.id,
    NODEGRID_EVENT_SEQ: String(event.seq),
    NODEGRID_EVENT_KIND: event.kind,
    NODEGRID_NODE_ID: event.node.id,
    NODEGRID_STATE: event.state ?? '',
    NODEGRID_FROM_STATE: event.from ?? '',
  };
}

interface RunResult {
  ok: boolean;
  reason: string;
  output: string;
}

async function runWithStdin(command: string, input: string, timeoutMs: number, extraEnv: Record<string, string>): Promise<RunResult> {
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    // Whole lines only (a line cut at its start may begin with half a secret).
    if (output.length > 4 * OUTPUT_TAIL) output = output.slice(output.indexOf('\n', output.length - 4 * OUTPUT_TAIL) + 1 || output.length);
  };
  const result = await runProcess({ command: '/bin/sh', args: ['-c', command], env: { ...process.env, ...extraEnv }, input, timeoutMs, maxBytes: 0, onOutput: collect });
  if (result.startError !== undefined) return { ok: false, reason: `could not start /bin/sh: ${result.startError}`, output };
  if (result.timedOut) return { ok: false, reason: `timed out after ${formatTimeout(timeoutMs)}`, output };
  if (result.code === 0) return { ok: true, reason: 'ok', output };
  return { ok: false, reason: result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`, output };
}
