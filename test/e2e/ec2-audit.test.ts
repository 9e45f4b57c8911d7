import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { awsEnvFor, startEc2StandIn, TEST_SECRET_ACCESS_KEY, type Ec2StandIn } from '../helpers/ec2-server';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TWO_HOURS_AGO = new Date(Date.now() - 2 * 3_600_000);
const tss = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

async function fleet(options: { pageSize?: number } = {}): Promise<{ server: Ec2StandIn; presenceDir: string; writePresence(id: string, state: string, deployment?: string): void; audit(args: string[], env?: Record<string, string | undefined>, source?: string[]): ReturnType<typeof runCli> }> {
  const server = await startEc2StandIn(options);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-audit-'));
  cleanups.push(() => server.close(), () => fs.rmSync(root, { recursive: true, force: true }));
  const presenceDir = path.join(root, 'presence');
  const allDir = path.join(presenceDir, 'it', 'presence', 'all');
  fs.mkdirSync(allDir, { recursive: true });
  const configFile = path.join(root, 'config.json');
  fs.writeFileSync(configFile, '{}\n');
  return {
    server,
    presenceDir,
    writePresence(id, state, deployment = 'fed1') {
      const value = { deployment, 'instance-id': id, nodepart: 'app1', stacktype: 'lad1', state, statelog: `${state}:${tss(TWO_HOURS_AGO)};`, statetss: tss(TWO_HOURS_AGO) };
      fs.writeFileSync(path.join(allDir, `${id}.json`), `${JSON.stringify({ filetype: 'nodepresence', value }, null, 4)}\n`);
    },
    audit: (args, env = awsEnvFor(server), source = ['--presence', presenceDir]) =>
      runCli(['audit', ...source, ...args], { env: { NODEGRID_CONFIG: configFile, NODEGRID_HOME: path.join(root, 'home'), NODEGRID_NODEINFO: path.join(root, 'ni'), ...env } }),
  };
}

const tagged = (state: string, deployment = 'fed1') => ({ 'add:state': state, 'add:deployment': deployment, 'add:nodepart': 'app1' });

describe('nodegrid audit', () => {
  it('lists a zombie, a ghost, an untracked and a mismatched instance once each, and exits 3', async () => {
    const f = await fleet();
    f.server.addInstance({ id: 'i-00000000000000001', tags: tagged('running'), launchTime: TWO_HOURS_AGO });
    f.writePresence('i-00000000000000001', 'running');
    f.server.addInstance({ id: 'i-00000000000000002', tags: tagged('presetup'), launchTime: TWO_HOURS_AGO });
    f.server.addInstance({ id: 'i-00000000000000003', state: 'terminated', tags: tagged('running'), launchTime: TWO_HOURS_AGO });
    f.writePresence('i-00000000000000003', 'running');
    f.server.addInstance({ id: 'i-00000000000000004', tags: { Name: 'someones-test-box' }, launchTime: TWO_HOURS_AGO });
    f.server.addInstance({ id: 'i-00000000000000005', tags: tagged('setup'), launchTime: TWO_HOURS_AGO });
    f.writePresence('i-00000000000000005', 'initdone');

    const json = await f.audit(['--json']);
    expect(json.code, json.stderr).toBe(3);
    const report = JSON.parse(json.stdout);
    expect(report.findings.map((finding: { kind: string; id: string }) => `${finding.kind} ${finding.id}`)).toEqual([
      'zombie i-00000000000000002',
      'ghost i-00000000000000003',
      'untracked i-00000000000000004',
      'mismatched i-00000000000000005',
    ]);
    expect(report).toMatchObject({ region: 'us-west-2', clean: false, instances: 5, presence: 3 });
    expect(json.stderr).toContain('error: audit found 1 zombie, 1 ghost, 1 untracked, 1 mismatched');

    const table = await f.audit([]);
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(/^KIND +INSTANCE +EC2 +PRESENCE +TAG +DETAIL$/m);
    expect(table.stdout).toMatch(/^zombie +i-00000000000000002 +running +- +presetup +running for 120 min and never reported to presence$/m);
    expect(table.stdout).toMatch(/^ghost +i-00000000000000003 +terminated +running +running +presence says running, but the instance is terminated$/m);
    for (const id of ['i-00000000000000002', 'i-00000000000000003', 'i-00000000000000004', 'i-00000000000000005']) {
      expect(table.stdout.split(id).length - 1, id).toBe(1);
    }
  });

  it('exits 0 on a clean fleet, and with --deployment looks only at that deployment', async () => {
    const f = await fleet();
    f.server.addInstance({ id: 'i-00000000000000001', tags: tagged('running'), launchTime: TWO_HOURS_AGO });
    f.writePresence('i-00000000000000001', 'running');
    f.server.addInstance({ id: 'i-00000000000000002', tags: tagged('initdone'), launchTime: TWO_HOURS_AGO });
    f.writePresence('i-00000000000000002', 'done');
    // A zombie of another deployment: out of scope for --deployment fed1.
    f.server.addInstance({ id: 'i-00000000000000009', tags: tagged('presetup', 'fed2'), launchTime: TWO_HOURS_AGO });

    const scoped = await f.audit(['--deployment', 'fed1']);
    expect(scoped.code, scoped.stderr).toBe(0);
    expect(scoped.stdout).toBe('clean: 2 instances in EC2 (us-west-2), 2 presence documents\n');
    expect(scoped.stderr).toBe('');
    const describe = f.server.calls.find((call) => call.action === 'DescribeInstances')!;
    expect([describe.params.get('Filter.1.Name'), describe.params.get('Filter.1.Value.1')]).toEqual(['tag:add:deployment', 'fed1']);

    // The same presence from a git remote, cloned for the audit.
    const repo = path.join(path.dirname(f.presenceDir), 'remote');
    fs.cpSync(f.presenceDir, repo, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'presence');
    const remote = await f.audit(['--deployment', 'fed1'], awsEnvFor(f.server), ['--remote', repo]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toBe('clean: 2 instances in EC2 (us-west-2), 2 presence documents\n');

    const everything = await f.audit(['--json']);
    expect(everything.code).toBe(3);
    expect(JSON.parse(everything.stdout).findings).toEqual([expect.objectContaining({ kind: 'zombie', id: 'i-00000000000000009' })]);
  });

  it('sees every instance of a fleet larger than one DescribeInstances page', async () => {
    const f = await fleet({ pageSize: 5 });
    for (let i = 1; i <= 23; i++) {
      const id = `i-${String(i).padStart(17, '0')}`;
      f.server.addInstance({ id, tags: tagged('running'), launchTime: TWO_HOURS_AGO });
      // The last one has no presence: only seen if the last page is read.
      if (i < 23) f.writePresence(id, 'running');
    }
    const result = await f.audit(['--json']);
    expect(result.code, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report.instances).toBe(23);
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'zombie', id: 'i-00000000000000023' })]);
    expect(f.server.calls.filter((call) => call.action === 'DescribeInstances')).toHaveLength(5);
  });

  it('with no credentials at all says it ran once and failed and what to give it, not "retrying later" (nothing retries an audit)', async () => {
    const f = await fleet();
    const noCredentials = awsEnvFor(f.server, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_EC2_METADATA_DISABLED: 'true' });
    const r = await f.audit([], noCredentials);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: ec2: DescribeInstances: no AWS credentials found \(environment, shared config\/profile, instance role\)(: [^;\n]+)?; give this machine an instance role, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; the audit ran once and failed, nothing was compared\n {2}fix the credentials as above, then run nodegrid audit again\n$/);
    expect(r.stderr).not.toContain('retrying');
    expect(f.server.calls).toEqual([]);
  });

  it('surfaces AuthFailure and RequestLimitExceeded from the SDK as nodegrid messages, never the secret', async () => {
    const f = await fleet();
    f.server.addInstance({ id: 'i-00000000000000001', tags: tagged('running'), launchTime: TWO_HOURS_AGO });
    f.writePresence('i-00000000000000001', 'running');

    const refused = await f.audit([], awsEnvFor(f.server, { AWS_ACCESS_KEY_ID: 'AKIDREVOKEDEXAMPLE' }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error: ec2: DescribeInstances: EC2 refused the AWS credentials (AuthFailure, HTTP 401)');
    expect(refused.stderr).toMatch(/; check the access key or instance role; the audit ran once and failed, nothing was compared\n {2}fix the credentials as above, then run nodegrid audit again\n$/);
    expect(refused.stderr + refused.stdout).not.toContain(TEST_SECRET_ACCESS_KEY);

    f.server.throttleNext(100);
    const throttled = await f.audit([]);
    expect(throttled.code).toBe(1);
    expect(throttled.stderr).toContain('error: ec2: DescribeInstances was throttled by EC2 (RequestLimitExceeded)');

    expect(throttled.stderr).toContain('the audit ran once and failed, nothing was compared\n  EC2 is limiting the request rate of this account: run nodegrid audit again in a minute\n');
    expect(throttled.stderr).not.toContain('retrying');

    // Throttled twice, then answered: the SDK's retries carry the audit through.
    f.server.throttleNext(2);
    const recovered = await f.audit([]);
    expect(recovered.code, recovered.stderr).toBe(0);
  });
});
