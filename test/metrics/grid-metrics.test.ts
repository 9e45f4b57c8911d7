import { describe, expect, it } from 'vitest';
import { HEALTHS, type Health } from '../../src/core/health';
import { formatExposition } from '../../src/metrics/exposition';
import { gridMetricFamilies, type CountedNode } from '../../src/metrics/grid-metrics';
import { checkMetrics } from '../helpers/promtool';
import { hasTool } from '../helpers/tools';

const withPrometheus = hasTool('prometheus', import.meta.filename);

const node = (deployment: string | null, nodepart: string | null, health: Health): CountedNode => ({ deployment, nodepart, health });
const REFRESHED = new Date('2015-10-08T21:13:30.250Z');

describe.runIf(withPrometheus)('grid metrics', () => {
  it('counts nodes per deployment, nodepart and health, with every health of a group present (zeros included)', () => {
    const nodes = [node('fed1', 'db1', 'alive'), node('fed1', 'db1', 'alive'), node('fed1', 'db1', 'wedged'), node('fed2', 'app1', 'zombie'), node(null, null, 'stale')];
    const text = formatExposition(gridMetricFamilies({ nodes, refreshedAt: REFRESHED }));
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    const samples = text.split('\n').filter((line) => line.startsWith('nodegrid_grid_nodes{'));
    expect(samples).toHaveLength(3 * HEALTHS.length);
    expect(samples).toContain('nodegrid_grid_nodes{deployment="fed1",nodepart="db1",health="alive"} 2');
    expect(samples).toContain('nodegrid_grid_nodes{deployment="fed1",nodepart="db1",health="wedged"} 1');
    expect(samples).toContain('nodegrid_grid_nodes{deployment="fed1",nodepart="db1",health="zombie"} 0');
    expect(samples).toContain('nodegrid_grid_nodes{deployment="fed2",nodepart="app1",health="zombie"} 1');
    expect(samples).toContain('nodegrid_grid_nodes{deployment="",nodepart="",health="stale"} 1');
    const total = samples.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    expect(total).toBe(nodes.length);
    expect(text).toContain('nodegrid_presence_last_refresh_timestamp_seconds 1444338810.25\n');
  });

  it('counts silenced nodes per deployment and nodepart, zeros included, so alert rules can leave them out', () => {
    const silenced = { id: '20261203T091500Z-3fa9c1', until: '2026-12-03T11:15:00Z', by: 'alice@ops', note: null };
    const nodes = [{ ...node('fed1', 'db1', 'stale'), silenced }, node('fed1', 'db1', 'alive'), node('fed2', 'app1', 'alive')];
    const text = formatExposition(gridMetricFamilies({ nodes, refreshedAt: REFRESHED }));
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    expect(text).toContain('nodegrid_grid_silenced_nodes{deployment="fed1",nodepart="db1"} 1\n');
    expect(text).toContain('nodegrid_grid_silenced_nodes{deployment="fed2",nodepart="app1"} 0\n');
  });

  it('keeps hostile deployment and nodepart values inside their labels (the writer escapes whatever reaches it)', () => {
    const nodes = [node('fed"1', 'db\\1', 'alive'), node('fed\n1', '} 5\nnodegrid_grid_nodes{health="alive"', 'stale')];
    const text = formatExposition(gridMetricFamilies({ nodes, refreshedAt: REFRESHED }));
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    expect(text.split('\n').filter((line) => line.startsWith('nodegrid_grid_nodes{'))).toHaveLength(2 * HEALTHS.length);
    expect(text).toContain('nodegrid_grid_nodes{deployment="fed\\"1",nodepart="db\\\\1",health="alive"} 1');
  });

  it('an empty grid still says when it was read', () => {
    const text = formatExposition(gridMetricFamilies({ nodes: [], refreshedAt: REFRESHED }));
    expect(text).not.toContain('nodegrid_grid_nodes');
    expect(text).toContain('nodegrid_presence_last_refresh_timestamp_seconds');
    expect(checkMetrics(text).code).toBe(0);
  });
});
