import type { Command } from 'commander';
import { commandName } from './argv';
import { registerCommandStubs } from './command-stubs';

/**
 * Every command, in the order `--help` lists them. Adding a command means a
 * file under cli/ and one line here.
 *
 * Each command is loaded only when invoked, as its own chunk: a node's
 * `state set` loads the state command and what it uses, not the presence
 * readers, git, the dashboard or the audit. `--help` loads none (see
 * command-stubs.ts); `help`, a command's own help and an unknown name load them all.
 */
type Register = (program: Command) => void;
type Loader = () => Promise<Register>;

const COMMANDS: ReadonlyArray<readonly [string, Loader]> = [
  ['init', async () => (await import('./init')).registerInitCommand],
  ['state', async () => (await import('./state')).registerStateCommands],
  ['info', async () => (await import('./info')).registerInfoCommand],
  ['outbox', async () => (await import('./outbox')).registerOutboxCommands],
  ['presence', async () => (await import('./presence')).registerPresenceCommands],
  ['notify', async () => (await import('./notify')).registerNotifyCommand],
  ['chat', async () => (await import('./chat')).registerChatCommands],
  ['tick', async () => (await import('./tick')).registerTickCommands],
  ['install', async () => (await import('./install')).registerInstallCommand],
  ['drain', async () => (await import('./leave')).registerDrainCommand],
  ['decommission', async () => (await import('./leave')).registerDecommissionCommand],
  ['request', async () => (await import('./request')).registerRequestCommand],
  ['requests', async () => (await import('./request')).registerRequestsCommand],
  ['silence', async () => (await import('./silence')).registerSilenceCommand],
  ['silences', async () => (await import('./silence')).registerSilencesCommand],
  ['doctor', async () => (await import('./doctor')).registerDoctorCommand],
  ['nodes', async () => (await import('./nodes')).registerNodesCommand],
  ['find', async () => (await import('./find')).registerFindCommand],
  ['wait', async () => (await import('./wait')).registerWaitCommand],
  ['history', async () => (await import('./history')).registerHistoryCommand],
  ['at', async () => (await import('./at')).registerAtCommand],
  ['monitor', async () => (await import('./monitor')).registerMonitorCommand],
  ['audit', async () => (await import('./audit')).registerAuditCommand],
  ['serve', async () => (await import('./serve')).registerServeCommand],
];

/** Commands registered by another command's file. */
const ALIASES: Record<string, string> = { agent: 'tick', sinks: 'chat' };

/** The commands argv needs: the one it names, stubs for root help, none for --version, or every one. */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  if (printsRootHelpOnly(argv)) registerCommandStubs(program);
  else for (const load of commandLoaders(argv)) (await load())(program);
}

/**
 * `nodegrid [global options] --help`: no word that commander could take for a
 * command (nor `--`, after which it would), so help is the root's.
 */
function printsRootHelpOnly(argv: readonly string[]): boolean {
  if (commandName(argv) !== undefined || argv.includes('--') || argv.includes('--version') || argv.includes('-V')) return false;
  return argv.includes('--help') || argv.includes('-h');
}

/** The loaders for the command named in argv, none for --version, or every command (help, an unknown name). */
function commandLoaders(argv: readonly string[]): Loader[] {
  const name = commandName(argv);
  // --version is the program's own option: no command needs loading to print it.
  if (name === undefined && (argv.includes('--version') || argv.includes('-V'))) return [];
  const wanted = name === undefined ? undefined : (ALIASES[name] ?? name);
  const chosen = COMMANDS.filter(([command]) => command === wanted);
  return (chosen.length > 0 ? chosen : COMMANDS).map(([, load]) => load);
}
