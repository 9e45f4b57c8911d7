import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { cleanEnv } from '../helpers/cli';
import { awsEnvFor, startEc2StandIn, type Ec2StandIn } from '../helpers/ec2-server';
import { configRepoRemote, examplesDir, git } from '../helpers/examples';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';
import { remoteFile } from '../helpers/presence';
import { npmEnv, packRelease } from '../helpers/release';

interface UserData {
  packages: string[];
  write_files: Array<{ path: string; permissions?: string; content: string }>;
  runcmd: Array<string | string[]>;
}

const text = fs.readFileSync(path.join(examplesDir, 'cloud-init/user-data.yaml'), 'utf8');
const userData = parse(text) as UserData;
const ID = 'i-0c1d2e3f';

let root: string;
let ec2: Ec2StandIn;
let chat: HttpReceiver;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodegrid-cloud-init-'));
  ec2 = await startEc2StandIn({ metadata: { instanceId: ID, region: 'us-west-2' } });
  ec2.addInstance({ id: ID, tags: { deployment: 'fed1', nodepart: 'app1', stacktype: 'lad1', initgitrepo: 'grid-config', 'add:state': 'presetup' } });
  chat = await startHttpReceiver();
});
afterAll(async () => {
  await ec2?.close();
  await chat?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** cloud-init writes runcmd into one shell script: strings as they are, lists as quoted commands. */
function runcmdScript(commands: UserData['runcmd']): string {
  const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;
  return commands.map((command) => (typeof command === 'string' ? command : command.map(quote).join(' '))).join('\n');
}

function sh(script: string, env: Record<string, string | undefined>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('examples/cloud-init/user-data.yaml', () => {
  it('is cloud-config that installs git and node and writes a config the loader accepts', () => {
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(userData.packages).toEqual(expect.arrayContaining(['git', 'nodejs']));
    const config = userData.write_files.find((file) => file.path === '/etc/nodegrid/config.yaml');
    expect(config?.permissions).toBe('0600'); // it holds chat webhook URLs
    expect(parse(config!.content)).toMatchObject({ presence: { remote: expect.any(String) }, ec2: { enabled: true } });
  });

  it('installs the packed release, takes its identity from the instance tags, inits from the config repo and schedules the heartbeat', async () => {
    const work = path.join(root, 'work');
    fs.mkdirSync(work);
    const tgz = packRelease(work);
    const fsRoot = path.join(root, 'fs'); // stands for the instance's /
    const npmPrefix = path.join(root, 'usr-local');
    const gitBase = path.join(root, 'git');
    const presence = path.join(root, 'presence.git');
    configRepoRemote(gitBase, 'grid-config');
    git(root, 'init', '--bare', '-q', presence);

    // write_files, under the temporary root; the config's remote, chat and EC2 point at 127.0.0.1 stand-ins.
    for (const file of userData.write_files) {
      const target = path.join(fsRoot, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      let content = file.content;
      if (file.path === '/etc/nodegrid/config.yaml') {
        const config = parse(content);
        config.presence.remote = presence;
        config.heartbeat.jitterSeconds = 0; // the scheduled beat below would otherwise wait up to 30 s
        config.chat.destinations = config.chat.destinations.map((d: { name: string }) => ({ ...d, url: chat.url(`/hooks/${d.name}`) }));
        content = stringify(config);
      }
      fs.writeFileSync(target, content, { mode: Number.parseInt(file.permissions ?? '644', 8) });
    }

    // The script as written; only `install cron` gets --prefix, so it writes under the temporary root.
    const script = runcmdScript(userData.runcmd);
    expect(script.match(/^\s*nodegrid install cron\s*$/gm)).toHaveLength(1);
    const runnable = script.replace(/^(\s*nodegrid install cron)\s*$/m, '$1 --prefix "$INSTALL_PREFIX"');
    const nodeinfo = path.join(fsRoot, 'root/nodeinfo');
    const home = path.join(fsRoot, 'var/lib/nodegrid');
    const configFile = path.join(fsRoot, 'etc/nodegrid/config.yaml');
    const env = {
      ...cleanEnv(),
      ...npmEnv(work),
      ...awsEnvFor(ec2),
      NO_COLOR: '1',
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
      HOME: path.join(fsRoot, 'root'),
      NODEGRID_PACKAGE: tgz,
      NPM_PREFIX: npmPrefix,
      IMDS: ec2.url,
      CONFIG_GIT_BASE: gitBase,
      NODEGRID_REPO_DIR: path.join(fsRoot, 'root/gitrepo'),
      NODEGRID_NODEINFO: nodeinfo,
      NODEGRID_HOME: home,
      NODEGRID_CONFIG: configFile,
      INSTALL_PREFIX: fsRoot,
    };
    const result = await sh(runnable, env, root);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.realpathSync(path.join(npmPrefix, 'bin/nodegrid'))).toBe(path.join(npmPrefix, 'lib/node_modules/nodegrid/dist/nodegrid.cjs'));
    expect(result.stdout).toContain(`init: ${ID} as fed1/app1 of lad1`);

    // The node's own files: identity from the tags, setup then initdone.
    const read = (file: string): string => fs.readFileSync(path.join(nodeinfo, file), 'utf8');
    expect([read('instance-id.txt'), read('deployment.txt'), read('nodepart.txt'), read('stacktype.txt'), read('initgitrepo.txt')]).toEqual([`${ID}\n`, 'fed1\n', 'app1\n', 'lad1\n', 'grid-config\n']);
    expect(read('state.txt')).toBe('initdone\n');
    expect(read('statelog.txt')).toMatch(/^setup:\d{8}-\d{6};initdone:\d{8}-\d{6};\n?$/);

    // The other three places.
    expect(JSON.parse(remoteFile(presence, 'main', `it/presence/all/${ID}.json`) ?? '{}').value).toMatchObject({ 'instance-id': ID, state: 'initdone', nodepart: 'app1' });
    const posts = await chat.waitFor(2, '/hooks/ops', 15_000);
    // Slack's text format escapes ">" as &gt;.
    expect(posts.map((post) => JSON.parse(post.body).text)).toEqual([
      expect.stringMatching(new RegExp(`^${ID}:fed1/app1: none -&gt; setup \\(cloud-init: installed nodegrid \\d+\\.\\d+\\.\\d+`)),
      `${ID}:fed1/app1: setup -&gt; initdone (cloud-init: init done)`,
    ]);
    expect(ec2.tagsOf(ID)).toMatchObject({ 'add:state': 'initdone', 'add:deployment': 'fed1' });

    // The heartbeat: a cron entry that runs the installed bundle with this node's paths.
    const cronFile = [path.join(fsRoot, 'etc/cron.d/nodegrid'), path.join(fsRoot, os.homedir(), '.config/nodegrid/crontab.nodegrid')].find((file) => fs.existsSync(file));
    expect(cronFile, 'install cron wrote nothing under the prefix').toBeDefined();
    const cron = fs.readFileSync(cronFile!, 'utf8');
    expect(cron).toContain(`NODEGRID_NODEINFO=${nodeinfo}`);
    expect(cron).toContain(`NODEGRID_CONFIG=${configFile}`);
    const tickLog = path.join(home, 'log/tick.log');
    const entry = /^\* \* \* \* \* (?:root )?(.*)$/m.exec(cron);
    expect(entry?.[1]).toMatch(/nodegrid(\.cjs)? tick --output-log (\S+) >>\2 2>&1$/);
    expect(entry?.[1]).toContain(`--output-log ${tickLog} `);

    // …and that entry works with only what the file carries (PATH and NODEGRID_REPO_DIR included):
    // one beat runs the config repo's work scripts in order.
    const cronEnv = Object.fromEntries(cron.split('\n').filter((line) => /^[A-Z_]\w*=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(cron).toContain(`NODEGRID_REPO_DIR=${env.NODEGRID_REPO_DIR}`);
    // The installing script's PATH, which found node and git, not cron's /usr/bin:/bin.
    expect(/\bPATH='?([^'\s]+)/.exec(cron)?.[1]?.split(':')).toEqual(expect.arrayContaining([path.dirname(process.execPath), path.join(npmPrefix, 'bin')]));
    const beat = await sh(entry![1]!, { ...cleanEnv(), PATH: '/usr/bin:/bin', ...cronEnv }, '/');
    expect(beat.code, fs.readFileSync(tickLog, 'utf8')).toBe(0);
    expect(fs.readFileSync(tickLog, 'utf8')).toMatch(/^beat: 1 repos \(\d+ changed\), work ok/m);
    const log = fs.readFileSync(path.join(home, 'log/nodegrid.log'), 'utf8');
    expect(log).toMatch(/work: first tick; running bin\/nodework\/common\/work\.sh, bin\/nodework\/part\/app1\/work\.sh, bin\/nodework\/stacktype\/lad1\/work\.sh, bin\/nodework\/stacktype\/lad1\/part\/app1\/work\.sh/);
  }, 180_000);
});
