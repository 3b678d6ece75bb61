import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { parsePrometheus, valueOf } from './prom-parse.js';

const H = '# HELP x_total Things.\n# TYPE x_total counter\n';

describe('the strict Prometheus text parser used by the metrics tests', () => {
  it('accepts what the registry renders (prom-client), escapes, empty families and default metrics included', async () => {
    const r = new MetricsRegistry({ defaultMetrics: true });
    r.counter('a_total', 'A.', ['k']).inc({ k: 'quote " back \\ nl \n' }, 2);
    r.histogram('h_seconds', 'H.', ['stage'], [0.1, 1]).observe({ stage: 's' }, 0.5);
    r.gauge('g_empty', 'A gauge without series yet.', ['k']);
    const f = parsePrometheus(await r.render());
    expect(valueOf(f, 'a_total', { k: 'quote " back \\ nl \n' })).toBe(2);
    expect(valueOf(f, 'h_seconds_bucket', { stage: 's', le: '0.1' })).toBe(0);
    expect(valueOf(f, 'h_seconds_bucket', { stage: 's', le: '+Inf' })).toBe(1);
  });

  it.each([
    ['a sample without HELP/TYPE', 'y_total 1\n'],
    ['TYPE without HELP', '# TYPE x_total counter\nx_total 1\n'],
    ['a bad label', `${H}x_total{1a="v"} 1\n`],
    ['an unquoted label value', `${H}x_total{a=v} 1\n`],
    ['a bad escape', `${H}x_total{a="\\t"} 1\n`],
    ['a repeated series', `${H}x_total{a="v"} 1\nx_total{a="v"} 2\n`],
    ['a bad value', `${H}x_total 1,5\n`],
    ['no final newline', `${H}x_total 1`],
    [
      'buckets out of order',
      '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    ['no +Inf bucket', '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    [
      '_count differing from +Inf',
      '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n',
    ],
    [
      'decreasing buckets',
      '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheus(text)).toThrow();
  });
});
