import { describe, expect, it } from 'vitest';
import { hostHeaderIsLoopback, isLoopbackAddress } from '../../src/sys/loopback';
import { bearerToken, cookieValue, Sessions, tokensEqual } from '../../src/web/auth';
import { routeRequest, splitPath } from '../../src/web/request';

const ASSETS = new Set(['app.js', 'style.css', 'favicon.svg']);
const route = (url: string, method = 'GET') => routeRequest(method, url, ASSETS);

describe('routing a request', () => {
  it('maps the exact paths of the dashboard', () => {
    expect(route('/')).toEqual({ ok: true, head: false, route: { kind: 'page' } });
    expect(route('/app.js', 'HEAD')).toEqual({ ok: true, head: true, route: { kind: 'asset', name: 'app.js' } });
    expect(route('/api/nodes?x=1')).toMatchObject({ ok: true, route: { kind: 'nodes' } });
    expect(route('/api/nodes/i-4e7cb59a/history')).toMatchObject({ ok: true, route: { kind: 'history', id: 'i-4e7cb59a' } });
    expect(route('/api/nodes/i-4e7cb59a/beats')).toMatchObject({ ok: true, route: { kind: 'beats', id: 'i-4e7cb59a' } });
    // The time is read against the server's clock (relative times, --now), not here.
    expect(route('/api/at?time=2015-10-08T21%3A13')).toMatchObject({ ok: true, route: { kind: 'at', time: '2015-10-08T21:13' } });
    expect(route('/api/events?limit=20')).toMatchObject({ ok: true, route: { kind: 'events', limit: 20 } });
    expect(route('/events')).toMatchObject({ ok: true, route: { kind: 'stream' } });
    expect(route('/login?token=abc%20d')).toMatchObject({ ok: true, route: { kind: 'login', token: 'abc d' } });
  });

  it.each([
    ['/../etc/passwd', 400],
    ['/%2e%2e/etc/passwd', 400],
    ['/app.js/..', 400],
    ['/a%2Fb', 400],
    ['/a%5Cb', 400],
    ['/x%00', 400],
    ['//etc/passwd', 400],
    ['/%E0%A4%A', 400],
    ['/api/nodes/..%2Fsecret/history', 400],
    ['/api/nodes/<img>/history', 400],
    ['/api/nodes/i-1/history/more', 404],
    ['/index.htm', 404],
    ['/package.json', 404],
    ['*', 400],
    [`/api/nodes?${'a'.repeat(3000)}`, 414],
    [`/${'a'.repeat(5000)}`, 414],
    ['/api/events?limit=0', 400],
    ['/api/events?limit=1e3', 400],
    ['/api/at', 400],
    ['/api/at?time=', 400],
    ['/api/nodes/<img>/beats', 400],
  ])('refuses %s with %i', (url, status) => {
    expect(route(url)).toMatchObject({ ok: false, status });
  });

  it('is read-only: any method but GET and HEAD is 405', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', undefined]) expect(routeRequest(method, '/api/nodes', ASSETS)).toMatchObject({ ok: false, status: 405 });
  });

  it('splits and decodes path segments', () => {
    expect(splitPath('/api/nodes/i-1/history/')).toEqual(['api', 'nodes', 'i-1', 'history']);
    expect(splitPath('/')).toEqual([]);
  });
});

describe('tokens and sessions', () => {
  it('compares tokens whatever their lengths', () => {
    expect(tokensEqual('s3cret-token-123456', 's3cret-token-123456')).toBe(true);
    expect(tokensEqual('s3cret-token-12345', 's3cret-token-123456')).toBe(false);
    expect(tokensEqual('', 's3cret-token-123456')).toBe(false);
  });

  it('reads a bearer header and a cookie', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(cookieValue('a=1; nodegrid_session=ff; b=2', 'nodegrid_session')).toBe('ff');
    expect(cookieValue('xnodegrid_session=ff', 'nodegrid_session')).toBeUndefined();
  });

  it('knows only the sessions it created', () => {
    const sessions = new Sessions();
    const id = sessions.create();
    expect(sessions.has(id)).toBe(true);
    expect(sessions.has(id.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBe(false);
    expect(sessions.has(undefined)).toBe(false);
  });

  it('tells loopback addresses and Host headers from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopbackAddress(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.10', 'example.com']) expect(isLoopbackAddress(host), host).toBe(false);
    expect(hostHeaderIsLoopback('127.0.0.1:8080')).toBe(true);
    expect(hostHeaderIsLoopback('[::1]:8080')).toBe(true);
    expect(hostHeaderIsLoopback('localhost')).toBe(true);
    expect(hostHeaderIsLoopback('evil.example:8080')).toBe(false);
    expect(hostHeaderIsLoopback('127.0.0.1.evil.example')).toBe(false);
    expect(hostHeaderIsLoopback(undefined)).toBe(false);
  });
});
