import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('splits rows and cells, with or without a final line break', () => {
    expect(parseCsv('a,b\n1,2\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(parseCsv('a,b\r\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('keeps empty cells', () => {
    expect(parseCsv('a,,c\n,,\n')).toEqual([['a', '', 'c'], ['', '', '']]);
  });

  it('reads quoted fields with commas, escaped quotes and line breaks', () => {
    expect(parseCsv('"x,y","say ""hi""","two\nlines"\n')).toEqual([['x,y', 'say "hi"', 'two\nlines']]);
  });

  it('skips a byte-order mark', () => {
    expect(parseCsv('\uFEFFa\n1\n')).toEqual([['a'], ['1']]);
  });

  it('refuses an unclosed quote', () => {
    expect(() => parseCsv('"abc\n')).toThrow(/not closed/);
  });
});
