import { describe, expect, it } from 'vitest';
import { escapeLabelValue, formatExposition, type MetricFamily } from '../../src/metrics/exposition';
import { checkMetrics } from '../helpers/promtool';
import { hasTool } from '../helpers/tools';

const withPrometheus = hasTool('prometheus', import.meta.filename);

const HOSTILE = ['fed"1', 'back\\slash', 'new\nline', 'all "three\\\n" at once', '\\n literally', 'tail\\', '"', 'cr\rtab\tnul\u0000', 'ünïcødé ✓ 🚀', '} 1\nnodegrid_fake 99', ''];

/** Reverses the three escapes the format defines, the way Prometheus' parser reads a label value. */
function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
}

describe.runIf(withPrometheus)('exposition writer', () => {
  it('escapes exactly backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain-1.2_x')).toBe('plain-1.2_x');
    for (const value of HOSTILE) expect(unescape(escapeLabelValue(value))).toBe(value);
  });

  it('writes hostile label values that promtool parses without complaint, one sample line each', () => {
    const family: MetricFamily = {
      name: 'nodegrid_grid_nodes',
      help: 'help with a \\ backslash and a\nnewline',
      type: 'gauge',
      samples: HOSTILE.map((deployment, i) => ({ labels: { deployment, nodepart: `p${i}` }, value: i })),
    };
    const text = formatExposition([family]);
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    const sampleLines = text.split('\n').filter((line) => line.startsWith('nodegrid_grid_nodes{'));
    expect(sampleLines).toHaveLength(HOSTILE.length);
    // Each line carries its own value at the end: no value leaked into another line.
    sampleLines.forEach((line, i) => expect(line.endsWith(`"p${i}"} ${i}`)).toBe(true));
    expect(text).not.toMatch(/^nodegrid_fake/m);
  });

  it('refuses the text a careless writer would produce (the check can fail)', () => {
    expect(checkMetrics('# HELP x_a a\n# TYPE x_a gauge\nx_a{d="new\nline"} 1\n').code).not.toBe(0);
    expect(checkMetrics('# HELP x_a a\n# TYPE x_a gauge\nx_a{d="a\\b"} 1\n').code).not.toBe(0);
  });

  it('writes HELP and TYPE once per family, special numbers as Prometheus spells them, and leaves out empty families', () => {
    const text = formatExposition([
      { name: 'nodegrid_a_seconds', help: 'a', type: 'gauge', samples: [{ value: 1.5 }, { labels: { x: '1' }, value: NaN }, { labels: { x: '2' }, value: Infinity }, { labels: { x: '3' }, value: -Infinity }] },
      { name: 'nodegrid_events_total', help: 'b', type: 'counter', samples: [{ value: 1e21 }] },
      { name: 'nodegrid_c', help: 'c', type: 'gauge', samples: [] },
    ]);
    expect(text).toBe(
      [
        '# HELP nodegrid_a_seconds a',
        '# TYPE nodegrid_a_seconds gauge',
        'nodegrid_a_seconds 1.5',
        'nodegrid_a_seconds{x="1"} NaN',
        'nodegrid_a_seconds{x="2"} +Inf',
        'nodegrid_a_seconds{x="3"} -Inf',
        '# HELP nodegrid_events_total b',
        '# TYPE nodegrid_events_total counter',
        'nodegrid_events_total 1e+21',
        '',
      ].join('\n'),
    );
    expect(checkMetrics(text)).toEqual({ code: 0, output: '' });
    expect(formatExposition([])).toBe('');
  });

  it('throws on names that would break the format or the conventions: they are ours, never node data', () => {
    const gauge = (name: string, labels?: Record<string, string>): MetricFamily => ({ name, help: 'h', type: 'gauge', samples: [{ labels, value: 1 }] });
    expect(() => formatExposition([gauge('nodegrid bad')])).toThrow(/invalid metric name/);
    expect(() => formatExposition([gauge('nodegrid_x', { 'bad-label': 'v' })])).toThrow(/invalid label name/);
    expect(() => formatExposition([gauge('nodegrid_x', { __reserved: 'v' })])).toThrow(/invalid label name/);
    expect(() => formatExposition([gauge('nodegrid_x_total')])).toThrow(/only counters end in _total/);
    expect(() => formatExposition([{ name: 'nodegrid_x', help: 'h', type: 'counter', samples: [] }])).toThrow(/only counters end in _total/);
    expect(() => formatExposition([gauge('nodegrid_x'), gauge('nodegrid_x')])).toThrow(/twice/);
  });
});
