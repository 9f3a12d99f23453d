import { afterEach, describe, expect, it, vi } from 'vitest';
import { MicroBatcher, type Feeds } from './micro-batcher.js';

/** Input `x` of shape [rows, 2]. */
function feedsOf(rows: number[][]): Feeds {
  return { x: { type: 'float32', dims: [rows.length, 2], data: Float32Array.from(rows.flat()) } };
}

function rowsOf(count: number, start = 1): number[][] {
  return Array.from({ length: count }, (_, i) => [start + i, -(start + i)]);
}

/** Answers y = 2x per element and total = x0 + x1 per row (int64), and records every call's feeds. */
function fakeRunner() {
  const calls: Feeds[] = [];
  const runner = vi.fn(async (feeds: Feeds): Promise<Feeds> => {
    calls.push(feeds);
    const x = feeds.x;
    const values = x.data as Float32Array;
    const rows = x.dims[0];
    return {
      y: { type: 'float32', dims: [rows, 2], data: values.map((value) => value * 2) },
      total: { type: 'int64', dims: [rows], data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(values[2 * i] + values[2 * i + 1])) },
    };
  });
  return { runner, calls };
}

function values(feeds: Feeds, name: string): unknown[] {
  return Array.from(feeds[name].data as ArrayLike<unknown>);
}

const nextImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('MicroBatcher', () => {
  it('with maxRows 1 runs every request alone, with its own feeds', async () => {
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 1, 0);
    const requests = [feedsOf([[1, 2]]), feedsOf([[3, 4], [5, 6]]), feedsOf([[7, 8]])];
    const results = await Promise.all(requests.map((feeds) => batcher.run(feeds, feeds.x.dims[0])));
    expect(calls).toHaveLength(3);
    expect(calls[0]).toBe(requests[0]);
    expect(calls[1]).toBe(requests[1]);
    expect(calls[2]).toBe(requests[2]);
    expect(results.map((result) => values(result, 'y'))).toEqual([[2, 4], [6, 8, 10, 12], [14, 16]]);
  });

  it.each<[number]>([[0], [500], [2000]])('with maxWaitUs %i merges concurrent requests into one call', async (maxWaitUs) => {
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 64, maxWaitUs);
    const pending = [batcher.run(feedsOf([[1, 2]]), 1), batcher.run(feedsOf([[3, 4], [5, 6]]), 2), batcher.run(feedsOf([[7, 8]]), 1)];
    await Promise.all(pending);
    expect(calls).toHaveLength(1);
    expect(calls[0].x.dims).toEqual([4, 2]);
    expect(values(calls[0], 'x')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('splits the merged outputs back to each caller', async () => {
    const { runner } = fakeRunner();
    const batcher = new MicroBatcher(runner, 64, 500);
    const [first, second, third] = await Promise.all([
      batcher.run(feedsOf([[1, 2]]), 1),
      batcher.run(feedsOf([[3, 4], [5, 6]]), 2),
      batcher.run(feedsOf([[7, 8]]), 1),
    ]);
    expect([first.y.dims, values(first, 'y'), first.total.dims, values(first, 'total')]).toEqual([[1, 2], [2, 4], [1], [3n]]);
    expect([second.y.dims, values(second, 'y'), second.total.dims, values(second, 'total')]).toEqual([[2, 2], [6, 8, 10, 12], [2], [7n, 11n]]);
    expect([third.y.dims, values(third, 'y'), third.total.dims, values(third, 'total')]).toEqual([[1, 2], [14, 16], [1], [15n]]);
  });

  it.each<[string, number, number[], number[]]>([
    ['2+2+2 rows, maxRows 4', 4, [2, 2, 2], [4, 2]],
    ['3+2 rows, maxRows 4', 4, [3, 2], [3, 2]],
    ['1+1+1+1+1 rows, maxRows 2', 2, [1, 1, 1, 1, 1], [2, 2, 1]],
    ['1+2+1 rows, maxRows 3', 3, [1, 2, 1], [3, 1]],
  ])('never lets a group exceed maxRows: %s', async (_label, maxRows, sizes, callRows) => {
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, maxRows, 500);
    let next = 1;
    const requests = sizes.map((size) => {
      const rows = rowsOf(size, next);
      next += size;
      return { rows, result: batcher.run(feedsOf(rows), size) };
    });
    const results = await Promise.all(requests.map((request) => request.result));
    expect(calls.map((call) => call.x.dims[0])).toEqual(callRows);
    expect(results.map((result) => values(result, 'y'))).toEqual(requests.map((request) => request.rows.flat().map((value) => value * 2)));
  });

  it('runs a request larger than maxRows alone, at once', async () => {
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 4, 500);
    const small = batcher.run(feedsOf([[1, 1]]), 1);
    const large = batcher.run(feedsOf(rowsOf(6, 10)), 6);
    expect(calls.map((call) => call.x.dims[0])).toEqual([6]);
    const later = batcher.run(feedsOf([[2, 2]]), 1);
    const [smallResult, largeResult, laterResult] = await Promise.all([small, large, later]);
    expect(calls.map((call) => call.x.dims[0])).toEqual([6, 2]);
    expect(values(smallResult, 'y')).toEqual([2, 2]);
    expect(values(largeResult, 'y')).toEqual([20, -20, 22, -22, 24, -24, 26, -26, 28, -28, 30, -30]);
    expect(values(laterResult, 'y')).toEqual([4, 4]);
  });

  it('runs a request of exactly maxRows alone, at once', async () => {
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 4, 500);
    const result = batcher.run(feedsOf(rowsOf(4)), 4);
    expect(calls.map((call) => call.x.dims[0])).toEqual([4]);
    expect(values(await result, 'y')).toEqual([2, -2, 4, -4, 6, -6, 8, -8]);
  });

  it('runs each caller of a failed merged group alone: every one fails when each run fails', async () => {
    const failure = new Error('session.run failed');
    const runner = vi.fn(async (): Promise<Feeds> => {
      throw failure;
    });
    const batcher = new MicroBatcher(runner, 64, 500);
    const outcomes = await Promise.allSettled([batcher.run(feedsOf([[1, 2]]), 1), batcher.run(feedsOf([[3, 4]]), 1), batcher.run(feedsOf([[5, 6]]), 1)]);
    expect(runner).toHaveBeenCalledTimes(4);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('rejects the caller of a group of one when the runner fails', async () => {
    const failure = new Error('session.run failed');
    const batcher = new MicroBatcher(async () => Promise.reject(failure), 64, 500);
    await expect(batcher.run(feedsOf([[1, 2]]), 1)).rejects.toBe(failure);
  });

  it('fails only the request the model cannot run, not the others of its group', async () => {
    const failure = new Error('session.run failed');
    const { runner: working } = fakeRunner();
    // The model fails on any input holding a 3.
    const runner = async (feeds: Feeds) => ((feeds.x.data as Float32Array).includes(3) ? Promise.reject(failure) : working(feeds));
    const batcher = new MicroBatcher(runner, 64, 500);
    const outcomes = await Promise.allSettled([batcher.run(feedsOf([[1, 2]]), 1), batcher.run(feedsOf([[3, 4]]), 1), batcher.run(feedsOf([[5, 6]]), 1)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: { y: { type: 'float32', dims: [1, 2], data: Float32Array.from([2, 4]) }, total: expect.anything() } },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: { y: { type: 'float32', dims: [1, 2], data: Float32Array.from([10, 12]) }, total: expect.anything() } },
    ]);
  });

  it('with maxWaitUs 2000 flushes after 2 ms (setTimeout), not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 64, 2000);
    const pending = [batcher.run(feedsOf([[1, 2]]), 1), batcher.run(feedsOf([[3, 4]]), 1)];
    vi.advanceTimersByTime(1);
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(calls.map((call) => call.x.dims[0])).toEqual([2]);
    const [first, second] = await Promise.all(pending);
    expect([values(first, 'y'), values(second, 'y')]).toEqual([[2, 4], [6, 8]]);
  });

  it('with maxWaitUs 2000 flushes at once when maxRows fills before the timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 3, 2000);
    const pending = [batcher.run(feedsOf([[1, 2]]), 1), batcher.run(feedsOf([[3, 4], [5, 6]]), 2)];
    expect(calls.map((call) => call.x.dims[0])).toEqual([3]);
    expect(vi.getTimerCount()).toBe(0);
    await Promise.all(pending);
  });

  it.each<[number]>([[0], [500]])('with maxWaitUs %i runs the requests of one event-loop turn together, at its end (setImmediate)', async (maxWaitUs) => {
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 64, maxWaitUs);
    const first = [batcher.run(feedsOf([[1, 2]]), 1), batcher.run(feedsOf([[3, 4]]), 1)];
    expect(calls).toHaveLength(0);
    await nextImmediate();
    const second = [batcher.run(feedsOf([[5, 6]]), 1)];
    await nextImmediate();
    expect(calls.map((call) => call.x.dims[0])).toEqual([2, 1]);
    expect((await Promise.all([...first, ...second])).map((result) => values(result, 'y'))).toEqual([[2, 4], [6, 8], [10, 12]]);
  });

  it('merges only requests whose dimensions after the rows match', async () => {
    const { runner, calls } = fakeRunner();
    const batcher = new MicroBatcher(runner, 64, 0);
    const wide: Feeds = { x: { type: 'float32', dims: [1, 4], data: Float32Array.from([1, 2, 3, 4]) } };
    const pending = [batcher.run(feedsOf([[1, 2]]), 1), batcher.run(wide, 1), batcher.run(feedsOf([[3, 4]]), 1)];
    await Promise.all(pending);
    expect(calls.map((call) => call.x.dims)).toEqual([[1, 2], [1, 4], [1, 2]]);
  });

  it('runs each request alone, then and later, when a merged run does not answer one row per input row', async () => {
    // A model whose output is one value per call, whatever the rows: merged, the callers' rows cannot be told apart.
    const calls: number[] = [];
    const runner = async (feeds: Feeds): Promise<Feeds> => {
      calls.push(feeds.x.dims[0]);
      const sum = Array.from(feeds.x.data as Float32Array).reduce((a, b) => a + b, 0);
      return { sum: { type: 'float32', dims: [1], data: Float32Array.from([sum]) } };
    };
    const batcher = new MicroBatcher(runner, 64, 0);
    const results = await Promise.all([batcher.run(feedsOf([[1, 2]]), 1), batcher.run(feedsOf([[3, 4], [5, 6]]), 2)]);
    expect(calls).toEqual([3, 1, 2]);
    expect(results.map((result) => values(result, 'sum'))).toEqual([[3], [18]]);
    // From then on every request runs alone, at once.
    expect(batcher.enabled).toBe(false);
    const later = [batcher.run(feedsOf([[7, 8]]), 1), batcher.run(feedsOf([[9, 10]]), 1)];
    expect(calls).toEqual([3, 1, 2, 1, 1]);
    expect((await Promise.all(later)).map((result) => values(result, 'sum'))).toEqual([[15], [19]]);
  });

  it('reports enabled only when maxRows is above 1', () => {
    const { runner } = fakeRunner();
    expect([new MicroBatcher(runner, 1, 0).enabled, new MicroBatcher(runner, 2, 0).enabled]).toEqual([false, true]);
  });
});
