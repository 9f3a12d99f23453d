import { describe, expect, it } from 'vitest';
import { expandAnnotations } from './annotation-template.js';

describe('annotation templates', () => {
  it('fills {{ $value }} and {{ $labels.x }}, leaves the rest as written', () => {
    const labels = { alertname: 'loss', region: 'eu' };
    expect(expandAnnotations({ summary: 'loss {{ $value }} in {{$labels.region}}', other: '{{ $labels.nope }} {{ .Value }}' }, labels, 0.75)).toEqual({
      summary: 'loss 0.75 in eu',
      other: '{{ $labels.nope }} {{ .Value }}',
    });
    expect(expandAnnotations({ summary: 'value {{ $value }}' }, labels, null)).toEqual({ summary: 'value no data' });
  });
});
