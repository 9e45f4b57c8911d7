import os from 'node:os';
import type { Command } from 'commander';
import type { ChatDestinationConfig } from '../config/schema';
import { NodegridError } from '../core/errors';
import { nodeLabel } from '../core/event';
import { redactSecrets } from '../core/secrets';
import { readNodeRecord } from '../node/nodeinfo';
import { openContext, type CliContext } from './context';

export function registerChatCommands(program: Command): void {
  const chat = program
    .command('chat')
    .description('chat destinations: check that each one works')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid chat test
  $ nodegrid chat test --destination pager --json`,
    );

  chat
    .command('test')
    .description('post a test message to each chat destination now (not through the outbox); exit 4 when one fails')
    .option('--destination <name>', 'only this destination (as named in chat.destinations)')
    .option('--json', 'print one JSON object per destination')
    .addHelpText(
      'after',
      `
URLs are shown redacted (https://hooks.slack.com/services/T…/****): they are secrets.

Examples:
  $ nodegrid chat test
  $ nodegrid chat test --destination ops-all`,
    )
    .action(async (options: { destination?: string; json?: boolean }, command: Command) => testDestinations(command, options));
}

const TEST_BUDGET_MS = 15_000;

interface TestResult {
  destination: string;
  type: string;
  url: string;
  ok: boolean;
  ms: number;
  error: string | null;
}

async function testDestinations(command: Command, options: { destination?: string; json?: boolean }): Promise<void> {
  const context = await openContext(command);
  const destinations = chooseDestinations(context, options.destination);
  const { sendChatMessage } = await import('../sinks/chat/send');
  const { testMessage } = await import('../sinks/chat/message');
  const { redactWebhookUrl } = await import('../sinks/redact-url');
  const label = nodeLabelOrHost(context);

  // One at a time, in config order, so the report reads like the config.
  const results: TestResult[] = [];
  for (const destination of destinations) {
    const started = Date.now();
    // A destination that asked for a long pause (429) is reported, not waited for.
    const result = await sendChatMessage(destination, testMessage(label, destination.name, new Date()), { homeDir: context.settings.homeDir.path, deadline: started + TEST_BUDGET_MS });
    const error = result.ok ? null : redactSecrets(result.failure?.message ?? 'failed', context.secrets);
    results.push({ destination: destination.name, type: destination.type, url: redactWebhookUrl(destination.url), ok: result.ok, ms: Date.now() - started, error });
    context.log.write(`chat test of chat:${destination.name}: ${result.ok ? 'ok' : error}`);
  }

  if (context.out.json) context.out.resultJson(results);
  else {
    for (const result of results) {
      const mark = result.ok ? context.out.paint('green', 'ok    ') : context.out.paint('red', 'failed');
      context.out.result(`${mark} chat:${result.destination} (${result.type} ${result.url}) ${result.ms} ms${result.error ? `\n       ${result.error}` : ''}`);
    }
  }
  const failed = results.filter((result) => !result.ok).length;
  if (failed > 0) {
    throw new NodegridError('E_PENDING', `chat test failed for ${failed} of ${results.length} destination${results.length === 1 ? '' : 's'}`, {
      hint: 'fix the URL, token or network, then run nodegrid chat test again',
    });
  }
}

function chooseDestinations(context: CliContext, wanted: string | undefined): ChatDestinationConfig[] {
  const all = context.settings.config.chat.destinations;
  if (all.length === 0) {
    throw new NodegridError('E_CONFIG', `no chat destinations are configured in ${context.settings.configFile.path}`, {
      hint: 'add chat.destinations (see the configuration reference in the README)',
    });
  }
  if (wanted === undefined) return all;
  const found = all.filter((destination) => destination.name === wanted);
  if (found.length === 0) {
    throw new NodegridError('E_BAD_INPUT', `no chat destination named ${JSON.stringify(wanted.slice(0, 64))}; configured: ${all.map((d) => d.name).join(', ')}`);
  }
  return found;
}

/** The node's label when it has an identity; a test can run before `nodegrid init`. */
function nodeLabelOrHost(context: CliContext): string {
  const identity = readNodeRecord(context.settings.nodeinfoDir.path).identity;
  return identity.id ? nodeLabel({ ...identity, id: identity.id }) : `${os.hostname()} (no instance id yet)`;
}
