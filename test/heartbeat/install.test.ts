import { describe, expect, it } from 'vitest';
import { cronSearchPath, DEFAULT_CRON_PATH, planInstall, type InstallTarget } from '../../src/heartbeat/install';

const target = (overrides: Partial<InstallTarget> = {}): InstallTarget => ({
  kind: 'cron',
  root: true,
  prefix: '/',
  homedir: '/root',
  tickCommand: ['/usr/bin/node', '/opt/nodegrid/dist/nodegrid.cjs', 'tick'],
  agentCommand: ['/usr/bin/node', '/opt/nodegrid/dist/nodegrid.cjs', 'agent'],
  environment: { NODEGRID_HOME: '/var/lib/nodegrid', NODEGRID_REPO_DIR: '/srv/gitrepo' },
  searchPath: '/usr/local/bin:/usr/bin:/bin',
  tickLog: '/var/lib/nodegrid/log/tick.log',
  user: 'root',
  ...overrides,
});

describe('the cron entry install writes', () => {
  it("as root: PATH and the NODEGRID_* variables as cron.d lines, the tick's output appended to tick.log, which the tick rotates", () => {
    const [file, ...more] = planInstall(target());
    expect(more).toEqual([]);
    expect(file!.path).toBe('/etc/cron.d/nodegrid');
    expect(file!.content.split('\n')).toEqual([
      '# installed by nodegrid install',
      "# Every beat's output, errors included, is appended to /var/lib/nodegrid/log/tick.log; the tick rotates it past 1 MiB (one tick.log.1 kept).",
      'PATH=/usr/local/bin:/usr/bin:/bin',
      'NODEGRID_HOME=/var/lib/nodegrid',
      'NODEGRID_REPO_DIR=/srv/gitrepo',
      '* * * * * root [ -d /var/lib/nodegrid/log ] || mkdir -p /var/lib/nodegrid/log; /usr/bin/node /opt/nodegrid/dist/nodegrid.cjs tick --output-log /var/lib/nodegrid/log/tick.log >>/var/lib/nodegrid/log/tick.log 2>&1',
      '',
    ]);
    expect(file!.content).not.toContain('/dev/null');
  });

  it("for a user: one line after the marker (the rest of the crontab is someone else's), the variables on the command, quoted", () => {
    const [file] = planInstall(target({ root: false, homedir: '/home/ops', searchPath: '/home/ops/my tools:/usr/bin:/bin', tickLog: '/home/ops/.local/state/nodegrid/log/tick.log', environment: { NODEGRID_REPO_DIR: '/home/ops/gitrepo' } }));
    expect(file!.path).toBe('/home/ops/.config/nodegrid/crontab.nodegrid');
    expect(file!.content).toBe(
      '# installed by nodegrid install\n' +
        "* * * * * [ -d /home/ops/.local/state/nodegrid/log ] || mkdir -p /home/ops/.local/state/nodegrid/log; PATH='/home/ops/my tools:/usr/bin:/bin' NODEGRID_REPO_DIR=/home/ops/gitrepo /usr/bin/node /opt/nodegrid/dist/nodegrid.cjs tick --output-log /home/ops/.local/state/nodegrid/log/tick.log >>/home/ops/.local/state/nodegrid/log/tick.log 2>&1\n",
    );
  });

  it('escapes "%", which cron would read as a newline', () => {
    const [file] = planInstall(target({ tickLog: '/var/lib/node%grid/log/tick.log' }));
    const line = file!.content.split('\n').find((l) => l.startsWith('* '))!;
    expect(line).toContain('>>/var/lib/node\\%grid/log/tick.log 2>&1');
    expect(line).not.toMatch(/[^\\]%/);
  });
});

describe("the cron job's PATH", () => {
  it("is the installing shell's, without relative entries or repeats", () => {
    expect(cronSearchPath('/opt/tools/bin:.:bin:/usr/local/bin:/usr/bin:/usr/local/bin:/bin')).toBe('/opt/tools/bin:/usr/local/bin:/usr/bin:/bin');
  });

  it('is the usual system PATH when the shell had none (cron alone would give /usr/bin:/bin)', () => {
    expect(DEFAULT_CRON_PATH).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(cronSearchPath(undefined)).toBe(DEFAULT_CRON_PATH);
    expect(cronSearchPath('')).toBe(DEFAULT_CRON_PATH);
    expect(cronSearchPath('.:bin')).toBe(DEFAULT_CRON_PATH);
  });
});

describe('the systemd units install writes', () => {
  it('want the network online, not only start after it, and carry the variables', () => {
    const [service, timer] = planInstall(target({ kind: 'systemd' }));
    expect(service!.path).toBe('/etc/systemd/system/nodegrid.service');
    const lines = service!.content.split('\n');
    expect(lines).toContain('Wants=network-online.target');
    expect(lines).toContain('After=network-online.target');
    expect(lines).toContain('Environment=NODEGRID_REPO_DIR=/srv/gitrepo');
    expect(lines).toContain('ExecStart=/usr/bin/node /opt/nodegrid/dist/nodegrid.cjs tick');
    expect(timer!.content).toContain('OnUnitActiveSec=60s');
  });
});
