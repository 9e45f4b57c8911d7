import type { ServerResponse } from 'node:http';
import { EXPOSITION_CONTENT_TYPE, formatExposition } from '../metrics/exposition';
import { gridMetricFamilies } from '../metrics/grid-metrics';
import { send } from './headers';
import type { LiveGrid } from './live';

/**
 * GET /metrics on `serve`: the grid the dashboard last read, as Prometheus
 * counts. It answers from memory (no read of presence per scrape) and sits
 * behind the same token as every other route.
 */
export function sendMetrics(res: ServerResponse, live: LiveGrid, head: boolean): void {
  const info = live.info();
  const text = formatExposition(gridMetricFamilies({ nodes: live.current.nodes.values(), refreshedAt: new Date(info.refreshedAt) }));
  send(res, 200, EXPOSITION_CONTENT_TYPE, text, head);
}
