import { describe, expect, it } from 'vitest';
import { OTHER_SEGMENT, SegmentCap } from './segment-cap.js';

describe('SegmentCap', () => {
  it('keeps the first max values per model and key, and reports the rest as __other__', () => {
    const cap = new SegmentCap(2);
    expect(['eu', 'us', 'apac', 'eu', 'latam', 'us'].map((value) => cap.label('m', 'region', value))).toEqual(['eu', 'us', OTHER_SEGMENT, 'eu', OTHER_SEGMENT, 'us']);
  });

  it('counts each model and key apart', () => {
    const cap = new SegmentCap(1);
    expect(cap.label('a', 'region', 'eu')).toBe('eu');
    expect(cap.label('b', 'region', 'us')).toBe('us');
    expect(cap.label('a', 'channel', 'web')).toBe('web');
    expect(cap.label('a', 'region', 'us')).toBe(OTHER_SEGMENT);
  });
});
