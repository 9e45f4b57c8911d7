import os from 'node:os';
import type { Command } from 'commander';
import type { ChatDestinationConfig, PagingDestinationConfig } from '../config/schema';
import { NodegridError } from '../core/errors';
import { nodeLabel } from '../core/event';
import { incidentKey, type PageAction } from '../core/incident';
import { redactSecrets } from '../core/secrets';
import { readNodeRecord } from '../node/nodeinfo';
import { openContext, type CliContext } from './context';

export function registerChatCommands(program: Command): void {
  const sinks = program
    .command('sinks')
    .description('chat and paging destinations: check that each one works')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid sinks test
  $ nodegrid sinks test --destination oncall --json`,
    );
  registerTest(sinks, 'sinks');
  // The name it had before paging existed, kept for scripts that use it.
  const chat = program
    .command('chat')
    .description('chat destinations: check that each one works (nodegrid sinks test does chat and paging)')
    .addHelpText(
      'after',
      `
Examples:
  $ nodegrid chat test
  $ nodegrid chat test --destination ops-all --json`,
    );
  registerTest(chat, 'chat');
}

function registerTest(parent: Command, scope: 'sinks' | 'chat'): void {
  parent
    .command('test')
    .description(
      scope === 'sinks'
        ? 'post a test message to each chat destination, and a test incident and its resolve to each paging destination, now (not through the outbox); exit 4 when one fails'
        : 'post a test message to each chat destination now (not through the outbox); exit 4 when one fails',
    )
    .option('--destination <name>', `only this destination (as named in chat.destinations${scope === 'sinks' ? ' or paging.destinations' : ''})`)
    .option('--json', 'print one JSON object per destination')
    .addHelpText(
      'after',
      `
URLs are shown redacted (https://hooks.slack.com/services/T…/****) and keys never: they are secrets.
A paging test opens an incident of severity info ("nodegrid test from …") and resolves it at once.

Examples:
  $ nodegrid ${scope} test
  $ nodegrid ${scope} test --destination ${scope === 'sinks' ? 'oncall' : 'ops-all'}`,
    )
    .action(async (options: { destination?: string; json?: boolean }, command: Command) => testDestinations(command, options, scope));
}

const TEST_BUDGET_MS = 15_000;

interface TestResult {
  /** The queue name: chat:<name> or page:<name>. */
  sink: string;
  destination: string;
  type: string;
  url: string;
  ok: boolean;
  ms: number;
  error: string | null;
}

async function testDestinations(command: Command, options: { destination?: string; json?: boolean }, scope: 'sinks' | 'chat'): Promise<void> {
  const context = await openContext(command);
  const { chat, paging } = chooseDestinations(context, options.destination, scope);
  const destinations = chat;
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
    results.push({ sink: `chat:${destination.name}`, destination: destination.name, type: destination.type, url: redactWebhookUrl(destination.url), ok: result.ok, ms: Date.now() - started, error });
    context.log.write(`chat test of chat:${destination.name}: ${result.ok ? 'ok' : error}`);
  }
  for (const destination of paging) results.push(await testPager(context, destination, label));

  if (context.out.json) context.out.resultJson(results);
  else {
    for (const result of results) {
      const mark = result.ok ? context.out.paint('green', 'ok    ') : context.out.paint('red', 'failed');
      context.out.result(`${mark} ${result.sink} (${result.type} ${result.url}) ${result.ms} ms${result.error ? `\n       ${result.error}` : ''}`);
    }
  }
  const failed = results.filter((result) => !result.ok).length;
  if (failed > 0) {
    throw new NodegridError('E_PENDING', `${scope} test failed for ${failed} of ${results.length} destination${results.length === 1 ? '' : 's'}`, {
      hint: `fix the URL, key, token or network, then run nodegrid ${scope} test again`,
    });
  }
}

function chooseDestinations(context: CliContext, wanted: string | undefined, scope: 'sinks' | 'chat'): { chat: ChatDestinationConfig[]; paging: PagingDestinationConfig[] } {
  const chat = context.settings.config.chat.destinations;
  const paging = scope === 'sinks' ? context.settings.config.paging.destinations : [];
  if (chat.length === 0 && paging.length === 0) {
    throw new NodegridError('E_CONFIG', `no ${scope === 'sinks' ? 'chat or paging' : 'chat'} destinations are configured in ${context.settings.configFile.path}`, {
      hint: `add ${scope === 'sinks' ? 'chat.destinations or paging.destinations' : 'chat.destinations'} (see the configuration reference in the README)`,
    });
  }
  if (wanted === undefined) return { chat, paging };
  const found = { chat: chat.filter((d) => d.name === wanted), paging: paging.filter((d) => d.name === wanted) };
  if (found.chat.length + found.paging.length === 0) {
    throw new NodegridError('E_BAD_INPUT', `no ${scope === 'sinks' ? '' : 'chat '}destination named ${JSON.stringify(wanted.slice(0, 64))}; configured: ${[...chat, ...paging].map((d) => d.name).join(', ')}`);
  }
  return found;
}

/** A test incident of severity info, opened and resolved at once, straight to the pager (no outbox, no incident book). */
async function testPager(context: CliContext, destination: PagingDestinationConfig, label: string): Promise<TestResult> {
  const started = Date.now();
  const { pagingAdapterFor } = await import('../sinks/registry');
  const adapter = await pagingAdapterFor(destination).load();
  const now = new Date();
  const node = readNodeRecord(context.settings.nodeinfoDir.path).identity;
  const identity = { id: node.id ?? 'grid', deployment: node.deployment, nodepart: node.nodepart };
  const base = { key: incidentKey(identity.id, `test-${now.getTime()}`), node: identity, problem: 'test', severity: 'info' as const, time: now.toISOString(), details: { sentBy: label } };
  const actions: PageAction[] = [
    { ...base, action: 'trigger', summary: `nodegrid test from ${label}: paging works (resolved at once)` },
    { ...base, action: 'resolve', summary: `nodegrid test from ${label}: resolved` },
  ];
  const result = await adapter.send(actions, { timeoutMs: Math.min(TEST_BUDGET_MS, destination.timeoutSeconds * 1000) });
  await adapter.close?.();
  const ok = result.sent === actions.length;
  const error = ok ? null : redactSecrets(result.failure?.message ?? 'not taken', context.secrets);
  context.log.write(`sinks test of page:${destination.name}: ${ok ? 'ok' : error}`);
  return { sink: `page:${destination.name}`, destination: destination.name, type: destination.type, url: adapter.label, ok, ms: Date.now() - started, error };
}

/** The node's label when it has an identity; a test can run before `nodegrid init`. */
function nodeLabelOrHost(context: CliContext): string {
  const identity = readNodeRecord(context.settings.nodeinfoDir.path).identity;
  return identity.id ? nodeLabel({ ...identity, id: identity.id }) : `${os.hostname()} (no instance id yet)`;
}
