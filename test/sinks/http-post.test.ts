import { afterEach, describe, expect, it } from 'vitest';
import { classifyResponse, postHttpRequest, rateLimitWaitMs } from '../../src/sinks/http-post';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver';

const label = 'chat:ops (slack http://127.0.0.1/services/T…/****)';
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

describe('classifying a chat service’s answer', () => {
  it('2xx is delivered; an empty Discord bucket asks for a pause before the next post', () => {
    expect(classifyResponse(204, 'No Content', new Headers(), '', label)).toEqual({ ok: true, status: 204, waitMs: undefined });
    const discord = new Headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '1.5' });
    expect(classifyResponse(200, 'OK', discord, '', label).waitMs).toBe(1500);
  });

  it('429 waits as told: Retry-After seconds or date, Discord headers or body', () => {
    const limited = classifyResponse(429, 'Too Many Requests', new Headers({ 'retry-after': '1' }), '', label).failure!;
    expect(limited).toMatchObject({ retryAfterMs: 1000 });
    expect(limited.permanent).toBeUndefined();
    expect(rateLimitWaitMs(429, new Headers({ 'retry-after': new Date(62_000).toUTCString() }), '', 2_000)).toBe(60_000);
    expect(rateLimitWaitMs(429, new Headers({ 'x-ratelimit-reset-after': '2.25' }), '', 0)).toBe(2250);
    expect(rateLimitWaitMs(429, new Headers(), '{"message": "You are being rate limited.", "retry_after": 0.7, "global": false}', 0)).toBe(700);
    expect(rateLimitWaitMs(429, new Headers({ 'x-ratelimit-state': 'THROTTLED', 'x-ratelimit-period-in-sec': '60' }), '', 0)).toBe(60_000);
    expect(rateLimitWaitMs(200, new Headers({ 'x-ratelimit-period-in-sec': '60' }), '', 0)).toBeUndefined();
    expect(classifyResponse(429, '', new Headers(), '', label).failure?.retryAfterMs).toBe(1000);
  });

  it('5xx retries later; 404 and 403 are refusals that say what to fix', () => {
    const failed = classifyResponse(500, 'Internal Server Error', new Headers(), '', label).failure!;
    expect(failed.permanent).toBeUndefined();
    expect(failed.message).toBe(`${label}: the service failed, HTTP 500 Internal Server Error; will retry`);
    const gone = classifyResponse(404, 'Not Found', new Headers(), 'no_service', label).failure!;
    expect(gone).toMatchObject({ permanent: true });
    expect(gone.message).toBe(`${label}: HTTP 404 Not Found (no_service): the webhook was deleted or the URL is wrong; fix the destination in the config`);
    expect(classifyResponse(403, 'Forbidden', new Headers(), '', label).failure!.message).toContain('not allowed to post');
  });
});

describe('postHttpRequest over real HTTP on 127.0.0.1', () => {
  it('reports connection refused and a timeout without the URL, and strips secrets a receiver echoes', async () => {
    const receiver = await startHttpReceiver();
    receivers.push(receiver);
    const url = receiver.url('/services/TEXAMPLE/BEXAMPLE/pathsecretEXAMPLE');
    const options = { timeoutMs: 300, label, secrets: [url, '/services/TEXAMPLE/BEXAMPLE/pathsecretEXAMPLE'] };

    receiver.script({ status: 404, body: 'no webhook at /services/TEXAMPLE/BEXAMPLE/pathsecretEXAMPLE' });
    const echoed = await postHttpRequest({ url, headers: {}, body: '{}' }, options);
    expect(echoed.failure!.message).toContain('(no webhook at ****)');

    receiver.script({ status: 200, hang: true });
    const started = Date.now();
    const hung = await postHttpRequest({ url, headers: {}, body: '{}' }, options);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(hung.failure!.message).toBe(`${label}: no answer within 300 ms`);

    await receiver.stop();
    const refused = await postHttpRequest({ url, headers: {}, body: '{}' }, options);
    expect(refused.failure!.message).toBe(`${label}: connection refused`);
    for (const result of [echoed, hung, refused]) expect(JSON.stringify(result)).not.toContain('pathsecretEXAMPLE');
  });
});
