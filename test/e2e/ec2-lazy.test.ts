import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestNode, nodegridBin } from '../helpers/cli';
import { awsEnvFor, startEc2StandIn } from '../helpers/ec2-server';
import { loadTracer as traceLoads, type LoadTracer } from '../helpers/load-tracer';

/**
 * The AWS SDK is megabytes of JavaScript; nodegrid starts every minute on every
 * node. These tests watch which bundle files a real process loads (through a
 * module loader hook) to show the SDK is read only when EC2 is used.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function loadTracer(): LoadTracer {
  const tracer = traceLoads();
  cleanups.push(() => tracer.remove());
  return tracer;
}

function sdkFiles(client = 'EC2Client'): string[] {
  const chunks = path.join(path.dirname(nodegridBin()), 'chunks');
  return fs.readdirSync(chunks).filter((name) => fs.readFileSync(path.join(chunks, name), 'utf8').includes(client));
}

describe('the AWS SDK is loaded lazily, from its own chunk', () => {
  it('keeps the SDK out of the launcher and the program a start loads', () => {
    const entry = fs.readFileSync(nodegridBin(), 'utf8') + fs.readFileSync(path.join(path.dirname(nodegridBin()), 'nodegrid-main.cjs'), 'utf8');
    expect(entry).not.toContain('EC2Client');
    expect(entry).not.toContain('CreateTagsCommand');
    expect(sdkFiles().length).toBeGreaterThan(0);
    // The S3 presence backend's client too: only nodes and readers of a bucket load it.
    expect(entry).not.toContain('S3Client');
    expect(entry).not.toContain('PutObjectCommand');
    expect(sdkFiles('S3Client').length).toBeGreaterThan(0);
    // The Auto Scaling client: only a node completing a lifecycle hook loads it.
    expect(entry).not.toContain('AutoScalingClient');
    expect(sdkFiles('AutoScalingClient').length).toBeGreaterThan(0);
  });

  it('a tick on EC2 asks instance metadata whether to leave without loading the Auto Scaling SDK', async () => {
    const server = await startEc2StandIn({ metadata: { instanceId: 'i-4e7cb59a', region: 'us-west-2' } });
    cleanups.push(() => server.close());
    server.addInstance({ id: 'i-4e7cb59a' });
    server.setTargetLifecycleState('i-4e7cb59a', 'InService');
    const node = makeTestNode('nodegrid-lazy-');
    cleanups.push(() => fs.rmSync(node.root, { recursive: true, force: true }));
    fs.mkdirSync(path.join(node.root, 'repos'));
    node.writeConfig({ ec2: { enabled: true, autoscaling: { lifecycleHook: 'drain-first' } }, heartbeat: { repoDir: path.join(node.root, 'repos') } });
    expect((await node.run(['init', '--id', 'i-4e7cb59a'])).code).toBe(0);
    const tracer = loadTracer();
    const tick = await node.run(['tick', '--now'], { env: { ...awsEnvFor(server), ...tracer.env } });
    expect(tick.code, tick.stderr).toBe(0);
    expect(server.imdsRequests).toContain('GET /latest/meta-data/autoscaling/target-lifecycle-state');
    const autoscaling = sdkFiles('AutoScalingClient');
    expect(tracer.loaded().filter((url) => autoscaling.some((name) => url.endsWith(`/chunks/${name}`)))).toEqual([]);
  });

  it('does not load it for `state set` with EC2 disabled, and does when EC2 tags are written', async () => {
    const server = await startEc2StandIn();
    cleanups.push(() => server.close());
    server.addInstance({ id: 'i-4e7cb59a' });
    const node = makeTestNode('nodegrid-lazy-');
    cleanups.push(() => fs.rmSync(node.root, { recursive: true, force: true }));
    expect((await node.run(['init', '--id', 'i-4e7cb59a'])).code).toBe(0);

    const off = loadTracer();
    const plain = await node.run(['state', 'set', 'setup'], { env: { ...awsEnvFor(server), ...off.env } });
    expect(plain.code, plain.stderr).toBe(0);
    expect(off.loaded().some((file) => file.endsWith('/nodegrid.cjs'))).toBe(true);
    const sdk = sdkFiles();
    expect(off.loaded().filter((url) => sdk.some((name) => url.endsWith(`/chunks/${name}`)))).toEqual([]);
    const s3 = sdkFiles('S3Client');
    expect(off.loaded().filter((url) => s3.some((name) => url.endsWith(`/chunks/${name}`)))).toEqual([]);

    node.writeConfig({ ec2: { enabled: true } });
    const on = loadTracer();
    const tagged = await node.run(['state', 'set', 'initdone'], { env: { ...awsEnvFor(server), ...on.env } });
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(server.tagsOf('i-4e7cb59a')!['add:state']).toBe('initdone');
    expect(on.loaded().filter((url) => sdk.some((name) => url.endsWith(`/chunks/${name}`))).length).toBeGreaterThan(0);
  });
});
