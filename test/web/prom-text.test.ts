import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prom-text.js';

describe('Prometheus text parser (for the /metrics tests)', () => {
  it('reads what prom-client writes: counters, labelled gauges with escapes, histograms', async () => {
    const r = new Registry();
    new Counter({ name: 'x_total', help: 'a counter', registers: [r] }).inc(3);
    new Gauge({ name: 'y', help: 'a gauge', labelNames: ['who'], registers: [r] }).set({ who: 'a "quoted"\\ name\nnext' }, 1.5);
    new Histogram({ name: 'z_seconds', help: 'h', buckets: [0.1, 1], registers: [r] }).observe(0.5);
    const f = parsePrometheusText(await r.metrics());
    expect(f.get('x_total')).toMatchObject({ type: 'counter', help: 'a counter', samples: [{ name: 'x_total', labels: {}, value: 3 }] });
    expect(f.get('y')!.samples).toEqual([{ name: 'y', labels: { who: 'a "quoted"\\ name\nnext' }, value: 1.5 }]);
    const h = f.get('z_seconds')!;
    expect(h.type).toBe('histogram');
    expect(h.samples.find((s) => s.labels.le === '+Inf')!.value).toBe(1);
    expect(h.samples.find((s) => s.name === 'z_seconds_sum')!.value).toBe(0.5);
  });

  it('refuses what is not the text format', () => {
    expect(() => parsePrometheusText('# TYPE a gauge\na 1')).toThrow(/newline/);
    expect(() => parsePrometheusText('a 1\n')).toThrow(/before its TYPE/);
    expect(() => parsePrometheusText('# TYPE a gauge\na one\n')).toThrow(/bad value/);
    expect(() => parsePrometheusText('# TYPE a gauge\na{b=c} 1\n')).toThrow(/bad labels/);
    expect(() => parsePrometheusText('# TYPE a gauge\na{b="c",b="d"} 1\n')).toThrow(/twice/);
    expect(() => parsePrometheusText('# TYPE a widget\n')).toThrow(/bad TYPE/);
    expect(() => parsePrometheusText('# TYPE a gauge\n{} 1\n')).toThrow(/not a sample/);
  });
});
