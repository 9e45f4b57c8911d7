import { describe, expect, it } from 'vitest';
import { formatOutcome, formatRequest, isRequestId, joinRequests, newRequestId, outcomePath, parseRequestPath, requestPath, type NodeRequest } from '../../src/presence/requests';

const at = new Date('2026-12-03T07:15:00.123Z');
const request: NodeRequest = { id: newRequestId('drain', at, () => Buffer.from([0x3f, 0xa9, 0xc1])), node: 'i-0d7a1e5e', action: 'drain', by: 'alice@ops', at: at.toISOString(), note: 'scale-in' };

describe('presence requests', () => {
  it('names requests by time, action and a random part, and keeps ids and nodes out of paths unless they are valid', () => {
    expect(request.id).toBe('20261203T071500Z-drain-3fa9c1');
    expect(requestPath(request.node, request.id)).toBe('it/presence/requests/i-0d7a1e5e/20261203T071500Z-drain-3fa9c1.json');
    expect(outcomePath(request.node, request.id)).toBe('it/presence/requests/i-0d7a1e5e/20261203T071500Z-drain-3fa9c1.outcome.json');
    expect(() => requestPath('../etc', request.id)).toThrow(/not valid/);
    expect(() => requestPath(request.node, '../../all/i-1')).toThrow(/not a request id/);
    expect(isRequestId('20261203T071500Z-reboot-3fa9c1')).toBe(false);
    expect(parseRequestPath('it/presence/requests/i-1/x.json')).toBeUndefined();
  });

  it('joins requests with their outcomes, oldest first, and skips a file that names another node or another request', () => {
    const later: NodeRequest = { ...request, id: '20261203T081500Z-undrain-000001', action: 'undrain', note: undefined };
    const forged: NodeRequest = { ...request, id: '20261203T091500Z-decommission-000002', action: 'decommission', node: 'i-other' };
    const files = new Map([
      [requestPath(later.node, later.id), formatRequest(later)],
      [requestPath(request.node, request.id), formatRequest(request)],
      [outcomePath(request.node, request.id), formatOutcome({ request: request.id, node: request.node, outcome: 'done', state: 'drained', note: 'drained in 3 s', at: at.toISOString() })],
      // Put under i-0d7a1e5e's folder, but written for another node: a request for nobody.
      [requestPath(request.node, forged.id), formatRequest(forged)],
      [requestPath(request.node, '20261203T101500Z-drain-000003'), '{"filetype": "nodegridrequest", "value": {"__proto__": {"x": 1}}}'],
    ]);
    const { requests, problems } = joinRequests(files);
    expect(requests.map((status) => [status.request.id, status.outcome?.outcome])).toEqual([
      [request.id, 'done'],
      [later.id, undefined],
    ]);
    expect(problems).toEqual([expect.stringMatching(/decommission-000002\.json: says it is request .* for i-other$/), expect.stringMatching(/drain-000003\.json: /)]);
    expect(formatRequest(later)).not.toContain('note');
  });
});
