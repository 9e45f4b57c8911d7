/**
 * What each config key means, for the README's configuration reference
 * (config/reference.ts, `npm run docs`). Kept out of the schema on purpose:
 * the schema is in the bundle every node starts every minute, and this text
 * (several KB) is only ever read by the docs generator and the tests.
 * test/config/reference.test.ts fails when a schema key has no entry here, or
 * an entry names a key the schema no longer has.
 */
export const CONFIG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  nodeinfo: 'Folder of one-value identity files (flag `--nodeinfo`, env `NODEGRID_NODEINFO`). Default `/root/nodeinfo` as root, else `$NODEGRID_HOME/nodeinfo`.',
  home: "nodegrid's own state: log, outbox, locks, clones (flag `--home`, env `NODEGRID_HOME`). Default `/var/lib/nodegrid` as root.",

  lifecycle: 'Add states and edges to the default lifecycle graph, or change the severity and colour of existing states.',
  'lifecycle.states': 'States to add, or existing states to change, by name.',
  'lifecycle.states.<name>.severity': 'How loudly entering the state is announced (`critical` is routed to the critical rooms).',
  'lifecycle.states.<name>.color': 'Colour of the state in chat and the dashboard.',
  'lifecycle.states.<name>.live': 'Whether the node is still working in this state: live states may go to `wedged` (default true for new states).',
  'lifecycle.edges': 'Extra edges, as `[from, to]` or `{from, to}`.',
  'lifecycle.edges[].from': 'The state the edge leaves.',
  'lifecycle.edges[].to': 'The state the edge enters.',
  'lifecycle.initial': 'States a node with no state yet may enter (default: `presetup`, `setup`).',

  outbox: 'The durable per-sink queues every event goes through before delivery.',
  'outbox.waitSeconds': 'How long `state set` tries to deliver before returning (flag `--wait`, env `NODEGRID_WAIT`).',
  'outbox.maxPerSink': 'Events kept per sink queue; heartbeats are dropped first when over.',
  'outbox.backoffSeconds': 'First retry delay; doubles per failure up to `maxBackoffSeconds`, with jitter.',
  'outbox.maxBackoffSeconds': 'Longest delay between two retries of one sink.',
  'outbox.maxPermanentFailures': 'Tries of an event a destination refuses outright (4xx) before it is marked failed.',

  sinks: 'Your own destinations for events, beside presence, chat and EC2.',
  'sinks.exec': 'Commands that receive each event.',
  'sinks.exec[].name': 'The sink is called `exec:<name>` (its queue, `nodegrid outbox`).',
  'sinks.exec[].command': 'Run by `/bin/sh` with the event JSON on stdin; a non-zero exit means retry.',
  'sinks.exec[].timeoutSeconds': 'The command is killed and the event retried after this long.',
  'sinks.exec[].kinds': 'Event kinds sent to the command.',

  presence: 'The shared git repository where every node keeps its document and heartbeats.',
  'presence.remote': 'One git remote (URL, `git@host:path`, or a local path): the sink `presence:origin`.',
  'presence.remotes': 'Several remotes, each its own sink queue: URLs (named after host and path) or `{name, url}`.',
  'presence.remotes[].name': 'The sink is called `presence:<name>` (its queue folder, `nodegrid outbox`).',
  'presence.remotes[].url': 'The git remote.',
  'presence.branch': 'Branch of the current documents; created on an empty remote.',
  'presence.heartbeat': 'Where and how often the flattime heartbeats are written.',
  'presence.heartbeat.branch': 'Default: the same branch. A separate one keeps the main history readable.',
  'presence.heartbeat.everyMinutes': '`presence heartbeat` beats at most this often (readers judge staleness in missed beats). Under a minute (`10s`, for demos and tests) each beat also records its exact time, since flattime folders only tell the minute.',
  'presence.fields': 'Extra allow-listed fields under `value`.',
  'presence.author': 'Author and committer of presence commits (default: `nodegrid <nodegrid@ID>`).',
  'presence.author.name': 'Commit author name.',
  'presence.author.email': 'Commit author email.',
  'presence.pushBudgetSeconds': 'How long one delivery may keep retrying a rejected push before it is left to the outbox.',
  'presence.gitTimeoutSeconds': 'Longest a single git fetch or push may take before it is killed.',

  chat: 'Chat rooms and webhooks that are told about state changes.',
  'chat.destinations': 'One entry per room or endpoint; each has its own outbox queue (`chat:<name>`).',
  'chat.destinations[].name': 'Names the destination in `nodegrid outbox` and `chat test --destination`.',
  'chat.destinations[].type': 'The message format the receiver speaks (`webhook`: signed JSON to any HTTP endpoint).',
  'chat.destinations[].url': "Any http(s) URL: the service's webhook, a proxy, a self-hosted server. Treated as a secret.",
  'chat.destinations[].minSeverity': 'Only events at least this severe (`critical` for a pager room).',
  'chat.destinations[].states': 'Only events whose (new) state is one of these.',
  'chat.destinations[].deployments': 'Only events of nodes in one of these deployments.',
  'chat.destinations[].via': '`monitor`: nodes send only critical events; the monitor posts grid-wide digests.',
  'chat.destinations[].minIntervalSeconds': 'Least time between two posts of this node to this destination (default 1 s; 0 for type `webhook`). Slack allows about one per second.',
  'chat.destinations[].timeoutSeconds': 'One HTTP request may take this long before it counts as failed (and is retried).',
  'chat.destinations[].room': '`hipchat` (required there): the room name or id.',
  'chat.destinations[].token': '`hipchat` (required there): the room notification token (sent as a Bearer header).',
  'chat.destinations[].secret': '`webhook` (required there): the HMAC-SHA256 signing secret receivers verify `X-Nodegrid-Signature` with.',

  ec2: 'EC2 tags with the node state, and the instance id from instance metadata. Visibility only: nodegrid never depends on the cloud.',
  'ec2.enabled': 'Off EC2 nothing is asked.',
  'ec2.region': 'Default: the standard AWS config, then instance metadata.',
  'ec2.tagPrefix': 'Prefix of the tags nodegrid writes (`add:state`, `add:statelog`, …).',

  heartbeat: 'The every-minute beat (`tick`, `agent`, `install cron|systemd`): pull, work, report.',
  'heartbeat.repoDir': 'The git repos this node follows (flag `--repo-dir`, env `NODEGRID_REPO_DIR`; default `/root/gitrepo` as root, as in the original, else `~/gitrepo`).',
  'heartbeat.intervalSeconds': 'Time between two beats of `nodegrid agent`.',
  'heartbeat.jitterSeconds': 'Each node delays its beat by a fixed share of this (derived from its id), so a large grid does not hit the git host in the same second.',
  'heartbeat.workTimeoutSeconds': 'A work script still running after this long is killed with its children and counts as a failure.',
  'heartbeat.wedgeAfterFailures': 'Failed work runs in a row before the node goes `wedged`.',
  'heartbeat.watch': 'Only changes under these paths trigger work (default: any change).',

  metrics: 'Node metrics for Prometheus, through node_exporter.',
  'metrics.textfile': "A file for node_exporter's textfile collector (e.g. `/var/lib/node_exporter/textfile_collector/nodegrid.prom`), rewritten atomically on every tick, state change, notify, heartbeat and outbox flush. Unset: no metrics, no extra work.",

  grid: 'How observers (`nodes`, `find`, `monitor`, `serve`) judge health.',
  'grid.zombieAfterMinutes': 'A node in presetup/setup longer than this is a zombie.',
  'grid.staleAfterBeats': 'A node is stale after missing this many beat periods (`presence.heartbeat.everyMinutes`).',
  'grid.massSilenceRatio': 'Monitor self-preservation: more than this share of alive nodes silent at once is an observer fault.',
  'grid.workingStates': 'States in which `find` counts a node as a partner (plausibly live: a recent beat and one of these).',
  'grid.probeTimeoutSeconds': '`find --probe`: how long a TCP connect or HTTP GET may take.',
  'grid.beatLookbackHours': "Readers look this far back for each node's latest heartbeat (an older one is reported as none).",
};
