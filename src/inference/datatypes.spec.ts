import { describe, expect, it } from 'vitest';
import { allocate, elementProblem, fromHalf, load, store, toHalf, type OrtType } from './datatypes.js';

describe('elementProblem', () => {
  // 2 ** 63 and 2 ** 64 are what JSON.parse makes of 9223372036854775807 and 18446744073709551615;
  // 2 ** 63 - 1024 and 2 ** 64 - 2048 are the largest doubles that do fit int64 / uint64.
  it.each<[OrtType, number]>([
    ['int8', -128],
    ['int8', 0],
    ['int8', 127],
    ['uint8', 0],
    ['uint8', 255],
    ['int16', -32768],
    ['int16', 32767],
    ['uint16', 0],
    ['uint16', 65535],
    ['int32', -2147483648],
    ['int32', 2147483647],
    ['uint32', 0],
    ['uint32', 4294967295],
    ['int64', -(2 ** 63)],
    ['int64', 2 ** 63 - 1024],
    ['int64', -5],
    ['uint64', 0],
    ['uint64', 2 ** 64 - 2048],
    ['float16', 65504],
    ['float16', -65504],
    ['float16', 0.1],
    ['float16', 65519], // rounds to 65504, as numpy's float16(65519)
    ['float32', 3.4028234663852886e38],
    ['float32', -3.4028234663852886e38],
    ['float32', 3.4028235e38], // float32's max as Java and numpy print it
    ['float32', 0.3],
    ['float64', Number.MAX_VALUE],
    ['float64', -Number.MAX_VALUE],
    ['float64', 5e-324],
  ])('accepts %s %s', (type, value) => {
    expect(elementProblem(type, value)).toBeUndefined();
  });

  it.each<[OrtType, number]>([
    ['int8', -129],
    ['int8', 128],
    ['uint8', -1],
    ['uint8', 256],
    ['int16', -32769],
    ['int16', 32768],
    ['uint16', -1],
    ['uint16', 65536],
    ['int32', -2147483649],
    ['int32', 2147483648],
    ['uint32', -1],
    ['uint32', 4294967296],
    ['int64', 2 ** 63],
    ['int64', -(2 ** 63) - 2048],
    ['uint64', -1],
    ['uint64', 2 ** 64],
    // A float is out of range when it rounds to infinity in the type (numpy: float16(65520) = inf).
    ['float16', 65520],
    ['float16', -65520],
    ['float32', 3.5e38],
    ['float32', -3.5e38],
  ])('refuses %s %s as out of range', (type, value) => {
    expect(elementProblem(type, value)).toMatch(/^out of range for /);
  });

  it.each<[OrtType, number]>([
    ['int8', 1.5],
    ['uint8', 0.5],
    ['int16', -2.25],
    ['uint16', 1.1],
    ['int32', 3.000001],
    ['uint32', 7.5],
    ['int64', 0.1],
    ['uint64', 2.5],
  ])('refuses the non-integer %s %s', (type, value) => {
    expect(elementProblem(type, value)).toBe('an integer is expected');
  });

  it.each<[OrtType, number]>([
    ['float16', Number.NaN],
    ['float32', Number.NaN],
    ['float64', Number.NaN],
    ['float32', Number.POSITIVE_INFINITY],
    ['float64', Number.NEGATIVE_INFINITY],
    ['int32', Number.NaN],
    ['int64', Number.POSITIVE_INFINITY],
  ])('refuses %s %s', (type, value) => {
    expect(elementProblem(type, value)).toBe('NaN and Infinity are not allowed');
  });

  it.each<[OrtType, unknown]>([
    ['float32', '1.5'],
    ['float64', true],
    ['int32', false],
    ['int64', null],
    ['uint8', [1]],
    ['float16', undefined],
  ])('refuses the non-number %s %j', (type, value) => {
    expect(elementProblem(type, value)).toBe('a number is expected');
  });

  it('refuses a BigInt for int64 (JSON never carries one)', () => {
    expect(elementProblem('int64', 5n)).toBe('a number is expected');
  });

  it.each<[unknown]>([[true], [false]])('accepts the bool %s', (value) => {
    expect(elementProblem('bool', value)).toBeUndefined();
  });

  it.each<[unknown]>([[1], [0], ['true'], [null]])('refuses %j as a bool', (value) => {
    expect(elementProblem('bool', value)).toBe('true or false is expected');
  });

  it.each<[string]>([[''], ['north'], ['ünïcode ✓']])('accepts the string %j', (value) => {
    expect(elementProblem('string', value)).toBeUndefined();
  });

  it.each<[unknown]>([[1], [true], [null], [['a']]])('refuses %j as a string', (value) => {
    expect(elementProblem('string', value)).toBe('a string is expected');
  });

  it('refuses a string with a NUL character', () => {
    expect(elementProblem('string', 'a\u0000b')).toBe('strings may not contain NUL characters');
  });
});

// Expected bit patterns come from numpy 1.24.2:
// /usr/bin/python3 -c "import numpy as np; print(hex(np.array([x],dtype=np.float16).view(np.uint16)[0]))"
describe('toHalf', () => {
  it.each<[string, number, number]>([
    ['1', 1, 0x3c00],
    ['-2', -2, 0xc000],
    ['0.5', 0.5, 0x3800],
    ['-1.5', -1.5, 0xbe00],
    ['65504 (largest half)', 65504, 0x7bff],
    ['0.1', 0.1, 0x2e66],
    ['0.333', 0.333, 0x3554],
    ['2^-24 (smallest subnormal)', 2 ** -24, 0x0001],
    ['1023 * 2^-24 (largest subnormal)', 1023 * 2 ** -24, 0x03ff],
    ['2^-14 (smallest normal)', 2 ** -14, 0x0400],
    ['0', 0, 0x0000],
    ['-0', -0, 0x8000],
    ['1e-8 (underflows)', 1e-8, 0x0000],
    ['65519 (rounds down to 65504)', 65519, 0x7bff],
    ['65520 (rounds up to Infinity)', 65520, 0x7c00],
    ['Infinity', Number.POSITIVE_INFINITY, 0x7c00],
    ['-Infinity', Number.NEGATIVE_INFINITY, 0xfc00],
  ])('encodes %s', (_label, value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });

  it.each<[string, number, number]>([
    ['1 + 2^-11 (tie, even is down)', 1 + 2 ** -11, 0x3c00],
    ['1 + 3 * 2^-11 (tie, even is up)', 1 + 3 * 2 ** -11, 0x3c02],
    ['2^-25 (subnormal tie, even is 0)', 2 ** -25, 0x0000],
    ['3 * 2^-25 (subnormal tie, even is up)', 3 * 2 ** -25, 0x0002],
  ])('rounds %s to nearest even', (_label, value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });

  // A JSON number is a double: rounding it to float32 first turns "just above a tie" into a tie.
  it.each<[string, number, number]>([
    ['1 + 2^-11 + 2^-30', 1 + 2 ** -11 + 2 ** -30, 0x3c01],
    ['2^-25 + 2^-60', 2 ** -25 + 2 ** -60, 0x0001],
  ])('rounds the double %s once, not via float32', (_label, value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });

  it('encodes NaN as a NaN pattern', () => {
    const bits = toHalf(Number.NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x03ff).not.toBe(0);
  });
});

describe('fromHalf', () => {
  // Expected values from numpy 1.24.2:
  // /usr/bin/python3 -c "import numpy as np; print(repr(float(np.array([bits],dtype=np.uint16).view(np.float16)[0])))"
  it.each<[string, number, number]>([
    ['0x3c00', 0x3c00, 1],
    ['0xc000', 0xc000, -2],
    ['0x7bff', 0x7bff, 65504],
    ['0x2e66', 0x2e66, 0.0999755859375],
    ['0x3555', 0x3555, 0.333251953125],
    ['0x3c01', 0x3c01, 1.0009765625],
    ['0x0001', 0x0001, 5.960464477539063e-8],
    ['0x03ff', 0x03ff, 6.097555160522461e-5],
    ['0x0400', 0x0400, 6.103515625e-5],
    ['0x0000', 0x0000, 0],
    ['0x8000', 0x8000, -0],
    ['0x7c00', 0x7c00, Number.POSITIVE_INFINITY],
    ['0xfc00', 0xfc00, Number.NEGATIVE_INFINITY],
  ])('decodes %s', (_label, bits, value) => {
    expect(fromHalf(bits)).toBe(value);
  });

  it('decodes 0x7e00 as NaN', () => {
    expect(fromHalf(0x7e00)).toBeNaN();
  });
});

describe('store and load', () => {
  it.each<[number, bigint]>([
    [0, 0n],
    [-5, -5n],
    [9007199254740991, 9007199254740991n],
    [-9007199254740991, -9007199254740991n],
  ])('stores int64 %s as the BigInt %s and loads it back', (value, stored) => {
    const data = allocate('int64', 1);
    store('int64', data, 0, value);
    expect(data[0]).toBe(stored);
    expect(load('int64', data, 0)).toBe(value);
  });

  it('stores uint64 as a BigInt and loads it back', () => {
    const data = allocate('uint64', 1);
    store('uint64', data, 0, 4294967296);
    expect(data[0]).toBe(4294967296n);
    expect(load('uint64', data, 0)).toBe(4294967296);
  });

  it.each<[boolean, number]>([
    [true, 1],
    [false, 0],
  ])('stores bool %s as %s and loads it back', (value, stored) => {
    const data = allocate('bool', 1);
    store('bool', data, 0, value);
    expect(data[0]).toBe(stored);
    expect(load('bool', data, 0)).toBe(value);
  });

  // Bit patterns and loaded values from numpy 1.24.2 (same commands as for toHalf and fromHalf).
  it.each<[number, number, number]>([
    [1, 0x3c00, 1],
    [-2, 0xc000, -2],
    [65504, 0x7bff, 65504],
    [0.1, 0x2e66, 0.0999755859375],
  ])('stores float16 %s as bits %i and loads %s', (value, bits, loaded) => {
    const data = allocate('float16', 1);
    store('float16', data, 0, value);
    expect(data[0]).toBe(bits);
    expect(load('float16', data, 0)).toBe(loaded);
  });

  it('stores and loads a string', () => {
    const data = allocate('string', 2);
    store('string', data, 1, 'north');
    expect(data).toEqual(['', 'north']);
    expect(load('string', data, 1)).toBe('north');
  });
});
