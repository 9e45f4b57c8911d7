import http from 'node:http';

/**
 * Reads a topic back as an ntfy subscriber does (GET /{topic}/json?poll=1,
 * one JSON message a line; https://docs.ntfy.sh/subscribe/api/), over plain
 * node:http so the check shares no code with the adapter's poster.
 */
export function pollTopic(server: string, topic: string, authorization?: string): Promise<{ status: number; messages: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server}/${topic}/json?poll=1`, { agent: false, headers: authorization ? { authorization } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const ok = res.statusCode === 200;
        resolve({ status: res.statusCode ?? 0, messages: ok ? text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : [] });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
