import { describe, expect, it } from 'vitest';
import { jsDistance } from './js-distance.js';

// scipy.spatial.distance.jensenshannon(R, C) (SciPy 1.10.1, natural log; it normalises the counts).
describe('jsDistance', () => {
  it.each<[string, number[], number[], number]>([
    ['identical deciles', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], 0],
    ['a window with three empty deciles', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [3, 1, 2, 1, 1, 1, 0, 0, 0, 4], 0.3884412315360742],
    ['a slight shift', [100, 200, 300, 250, 100, 50], [90, 210, 280, 260, 120, 40], 0.03387651035207003],
    ['a bin empty in the reference (e.g. __other__)', [0, 50, 50], [10, 40, 50], 0.19349646201204088],
    ['bins empty on either side', [5, 0, 5], [0, 10, 0], 0.8325546111576977],
    ['disjoint: √ln 2, the maximum', [1, 0], [0, 1], 0.8325546111576977],
    ['uniform window against a skewed reference', [400, 300, 200, 100, 0], [100, 100, 100, 100, 100], 0.31596432071196956],
  ])('%s → %d', (_name, reference, current, expected) => {
    expect(jsDistance(reference, current)).toBeCloseTo(expected, 14);
  });

  it('uses proportions, not counts: scaling a sample changes nothing', () => {
    expect(jsDistance([100, 200, 300, 250, 100, 50], [9, 21, 28, 26, 12, 4])).toBeCloseTo(0.03387651035207003, 14);
  });

  it('is null for an empty window or reference', () => {
    expect(jsDistance([5, 5], [0, 0])).toBeNull();
    expect(jsDistance([0, 0], [5, 5])).toBeNull();
  });

  it('refuses bins of different lengths', () => {
    expect(() => jsDistance([1, 2], [1, 2, 3])).toThrowError('reference has 2 bins but current has 3');
  });
});
