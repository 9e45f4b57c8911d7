/**
 * The layers of src/, kept by `npm run lint`. Data flows one way: a state
 * change becomes an event value (core) that the outbox hands to the sinks;
 * readers (grid) only read presence; the CLI sits on top and nothing imports it.
 *
 *   cli → (heartbeat, monitor, doctor, web, metrics, grid) → (outbox, sinks)
 *       → (node, presence) → (git, s3, config) → sys → core
 */
const folder = (name) => `^src/${name}/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports is a boundary nobody can name.',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'core/ is what nodegrid is, with no I/O: it imports nothing of ours and no node: module.',
      from: { path: folder('core') },
      to: { pathNot: [folder('core'), '^node_modules/zod/'] },
    },
    {
      name: 'sys-only-core',
      severity: 'error',
      comment: 'sys/ is the toolkit every layer uses: it knows nothing above core/.',
      from: { path: folder('sys') },
      to: { path: '^src/', pathNot: [folder('sys'), folder('core')] },
    },
    {
      name: 'sinks-apart',
      severity: 'error',
      comment: 'A sink knows events, its own destination and the presence store, never another sink, the CLI, the readers or the monitor.',
      from: { path: '^src/sinks/([^/]+)/' },
      to: {
        path: ['^src/sinks/([^/]+)/', folder('cli'), folder('grid'), folder('monitor'), folder('web'), folder('heartbeat'), folder('doctor'), folder('outbox')],
        pathNot: ['^src/sinks/$1/'],
      },
    },
    {
      name: 'grid-only-reads',
      severity: 'error',
      comment: 'grid/ reads and classifies presence; it never writes (sinks, outbox) and never watches (monitor).',
      from: { path: folder('grid') },
      to: { path: [folder('sinks'), folder('outbox'), folder('monitor'), folder('cli'), folder('heartbeat')] },
    },
    {
      name: 'presence-is-a-store',
      severity: 'error',
      comment: 'presence/ is the store both sides use: it knows neither the sinks that write through it nor the readers above it.',
      from: { path: folder('presence') },
      to: { path: [folder('sinks'), folder('grid'), folder('monitor'), folder('outbox'), folder('cli'), folder('heartbeat'), folder('node')] },
    },
    {
      name: 'outbox-below-its-users',
      severity: 'error',
      comment: 'The outbox delivers to sinks through their interface (sinks/sink.ts) only.',
      from: { path: folder('outbox') },
      to: { path: [folder('cli'), folder('grid'), folder('monitor'), folder('heartbeat'), '^src/sinks/[^/]+/'] },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      comment: 'cli/ parses flags, calls one function and prints; no layer below depends on it.',
      from: { path: '^src/', pathNot: [folder('cli'), '^src/nodegrid\\.ts$', '^src/launcher\\.ts$'] },
      to: { path: folder('cli') },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports is dead code (the entry and the page are started by the bundler).',
      from: { orphan: true, path: '^src/', pathNot: ['^src/nodegrid\\.ts$', '^src/web/page/main\\.ts$', '\\.d\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.mjs', '.js'] },
    exclude: { path: '^src/web/page/.*\\.test\\.ts$' },
  },
};
