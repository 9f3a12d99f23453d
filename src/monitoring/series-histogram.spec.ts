import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from './series-histogram.js';

const config = { name: 'h', help: 'A "histogram" \\ with escapes.', labelNames: ['model', 'segment'] as const, buckets: [0.01, 0.1, 1, 10] };

describe('SeriesHistogram', () => {
  it('exports what prom-client’s Histogram exports for the same observations (bounds inclusive, +Inf, sum, count, label escaping)', async () => {
    const reference = new Registry();
    const ours = new Registry();
    const histogram = new Histogram({ ...config, registers: [reference] });
    const series = new SeriesHistogram({ ...config, registers: [ours] });
    const observations: Array<[Record<'model' | 'segment', string>, number]> = [
      [{ model: 'm', segment: '' }, 0],
      [{ model: 'm', segment: '' }, 0.01],
      [{ model: 'm', segment: '' }, 0.010000001],
      [{ model: 'm', segment: 'eu "west"\n\\' }, 10],
      [{ model: 'm', segment: 'eu "west"\n\\' }, 1e6],
      [{ model: 'n', segment: 'x' }, -3],
      [{ model: 'm', segment: '' }, 0.5],
    ];
    for (const [labels, value] of observations) histogram.observe(labels, value);
    const held = series.series({ model: 'm', segment: '' });
    for (const [labels, value] of observations) {
      if (labels.model === 'm' && labels.segment === '') held.observe(value);
      else series.observe(labels, value);
    }
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.metrics()).toContain('h_bucket{le="0.01",model="m",segment=""} 2');
    expect(await ours.metrics()).toContain('h_count{model="m",segment="eu \\"west\\"\\n\\\\"} 2');
  });
  it('refuses a value that is not finite and a label set without every label, and empties on reset', async () => {
    const registry = new Registry();
    const series = new SeriesHistogram({ ...config, registers: [registry] });
    expect(() => series.observe({ model: 'm', segment: '' }, Number.NaN)).toThrow(/finite/);
    expect(() => series.observe({ model: 'm' } as never, 1)).toThrow(/segment/);
    series.observe({ model: 'm', segment: '' }, 1);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe('# HELP h A "histogram" \\\\ with escapes.\n# TYPE h histogram\n');
  });
});
