// A real distributed object store for tests and the scale bench: a one-node
// Ceph cluster (ceph-mon, one ceph-osd on an in-memory object store) with the
// RADOS Gateway's S3 endpoint on 127.0.0.1. Written from the configuration in
// ../shared/reference/ceph-rgw-loopback.sh (checked on this machine, Ceph 16).
// Needs Debian's ceph-mon ceph-osd radosgw ceph-common (.ci/run installs them).
// Ready in about 2 s; stop() ends every daemon it started.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.mjs';

const run = promisify(execFile);

export const RGW_CREDENTIALS = { accessKeyId: 'nodegrid-test', secretAccessKey: 'nodegrid-test-secret-0123456789' };

/** Whether this machine has the Ceph daemons. */
export function cephAvailable() {
  return ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph', 'radosgw-admin', 'monmaptool', 'ceph-authtool'].every((tool) =>
    (process.env.PATH ?? '/usr/bin:/bin').split(':').some((dir) => fs.existsSync(path.join(dir, tool))),
  );
}

function configText(dir, fsid, monPort, rgwPort) {
  return `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${monPort}]
ms bind msgr1 = false
public addr = 127.0.0.1
cluster addr = 127.0.0.1
paxos propose interval = 0.05
paxos min wait = 0.01
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms cluster mode = crc
ms service mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
keyring = ${dir}/keyring
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 1
osd pool default pgp num = 1
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon data avail warn = 1
mon data avail crit = 0
[mon.a]
mon data = ${dir}/mon
[osd.0]
osd data = ${dir}/osd0
osd objectstore = memstore
memstore device bytes = 2147483648
osd max object name len = 460
osd max object namespace len = 64
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw dns name = 127.0.0.1
rgw data = ${dir}/rgw
`;
}

async function until(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Ceph test cluster: ${what} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function httpAnswers(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * Starts the cluster in a fresh temporary folder. Returns { endpoint, port,
 * credentials, dir, stopGateway(), startGateway(), stop() }: stopping only the
 * gateway is how tests take "the store" down and bring it back.
 */
export async function startCephRgw(options = {}) {
  const dir = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), 'nodegrid-ceph-'));
  for (const sub of ['mon', 'osd0', 'run', 'log', 'rgw']) fs.mkdirSync(path.join(dir, sub));
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'ceph.conf');
  fs.writeFileSync(conf, configText(dir, randomUUID(), monPort, rgwPort));
  const c = ['-c', conf];
  const children = [];
  const daemon = (name, command, args) => {
    const out = fs.openSync(path.join(dir, 'log', `${name}.out`), 'a');
    const child = spawn(command, args, { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    child.name = name;
    children.push(child);
    return child;
  };
  const stopChild = async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(timer);
  };
  let gateway;
  const startGateway = async () => {
    gateway = daemon('rgw', 'radosgw', [...c, '-n', 'client.rgw', '-f']);
    await until('radosgw', 30_000, () => httpAnswers(rgwPort));
  };
  const stop = async () => {
    for (const child of [...children].reverse()) await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('ceph-authtool', ['--create-keyring', `${dir}/keyring`, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run('ceph-authtool', [`${dir}/keyring`, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
    const fsid = /fsid = (\S+)/.exec(fs.readFileSync(conf, 'utf8'))[1];
    await run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, `${dir}/monmap`]);
    await run('ceph-mon', [...c, '-i', 'a', '--mkfs', '--monmap', `${dir}/monmap`, '--keyring', `${dir}/keyring`]);
    daemon('mon', 'ceph-mon', [...c, '-i', 'a', '-f']);
    await until('ceph-mon', 30_000, async () => (await run('ceph', [...c, '--connect-timeout', '2', 'mon', 'stat'])).stdout.length > 0);
    const osdUuid = randomUUID();
    const id = (await run('ceph', [...c, 'osd', 'new', osdUuid])).stdout.trim();
    await run('ceph-osd', [...c, '-i', id, '--mkfs', '--osd-uuid', osdUuid]);
    daemon('osd', 'ceph-osd', [...c, '-i', id, '-f']);
    await until('ceph-osd', 60_000, async () => new RegExp(`^osd\\.${id} up`, 'm').test((await run('ceph', [...c, 'osd', 'dump'])).stdout));
    await startGateway();
    await run('radosgw-admin', [...c, 'user', 'create', '--uid=nodegrid-test', '--display-name=nodegrid test', `--access-key=${RGW_CREDENTIALS.accessKeyId}`, `--secret-key=${RGW_CREDENTIALS.secretAccessKey}`]);
  } catch (error) {
    const logs = ['mon.out', 'osd.out', 'rgw.out'].map((f) => { try { return `${f}: ${fs.readFileSync(path.join(dir, 'log', f), 'utf8').slice(-500)}`; } catch { return ''; } }).join('\n');
    await stop();
    throw new Error(`${error.message}\n${logs}`);
  }
  return {
    endpoint: `http://127.0.0.1:${rgwPort}`,
    port: rgwPort,
    credentials: RGW_CREDENTIALS,
    dir,
    startGateway,
    stopGateway: () => stopChild(gateway),
    stop,
  };
}
