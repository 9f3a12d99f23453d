import { describe, expect, it } from 'vitest';
import { holds, INACTIVE, step, type AlertMemory, type AlertTiming, type Notification } from './alert-state-machine.js';

const timing: AlertTiming = { forMs: 5_000, keepFiringForMs: 3_000, repeatMs: 60_000 };

/** Runs a sequence of (time, condition) evaluations from inactive; returns each state and notification. */
function run(inputs: [number, boolean | null][], t: AlertTiming = timing): { state: string; notify: Notification | null; noData: boolean }[] {
  let memory: AlertMemory = INACTIVE;
  return inputs.map(([now, condition]) => {
    const result = step(memory, condition, now, t);
    memory = result.memory;
    return { state: memory.state, notify: result.notify, noData: result.noData };
  });
}

describe('alert state machine (fake clock, ms)', () => {
  it('inactive stays inactive while the condition is false', () => {
    expect(run([[0, false], [1000, false]]).map((r) => r.state)).toEqual(['inactive', 'inactive']);
  });

  it('inactive → pending when the condition holds, pending → firing after `for`, notified once', () => {
    const results = run([[0, true], [4_999, true], [5_000, true], [6_000, true]]);
    expect(results.map((r) => r.state)).toEqual(['pending', 'pending', 'firing', 'firing']);
    expect(results.map((r) => r.notify)).toEqual([null, null, 'firing', null]);
  });

  it('with `for` 0 inactive → firing at once', () => {
    const results = run([[0, true]], { ...timing, forMs: 0 });
    expect(results).toEqual([{ state: 'firing', notify: 'firing', noData: false }]);
  });

  it('pending → inactive when the condition stops holding before `for` (nothing delivered)', () => {
    const results = run([[0, true], [2_000, false], [3_000, true], [7_000, true], [8_000, true]]);
    expect(results.map((r) => r.state)).toEqual(['pending', 'inactive', 'pending', 'pending', 'firing']);
    expect(results.filter((r) => r.notify).map((r) => r.notify)).toEqual(['firing']);
  });

  it('firing stays firing for keepFiringFor after the last evaluation where the condition held, then resolves once', () => {
    const results = run([[0, true], [5_000, true], [6_000, false], [7_999, false], [8_000, false], [9_000, false]]);
    expect(results.map((r) => r.state)).toEqual(['pending', 'firing', 'firing', 'firing', 'inactive', 'inactive']);
    expect(results.map((r) => r.notify)).toEqual([null, 'firing', null, null, 'resolved', null]);
  });

  it('keepFiringFor absorbs flapping: a condition that clears and returns within it never resolves', () => {
    const inputs: [number, boolean][] = [[0, true], [5_000, true]];
    for (let t = 6_000; t <= 30_000; t += 1_000) inputs.push([t, t % 2_000 === 0]);
    const results = run(inputs);
    expect(results.slice(1).every((r) => r.state === 'firing')).toBe(true);
    expect(results.filter((r) => r.notify).map((r) => r.notify)).toEqual(['firing']);
  });

  it('without keepFiringFor firing resolves at the first false evaluation', () => {
    const results = run([[0, true], [6_000, false]], { ...timing, forMs: 0, keepFiringForMs: 0 });
    expect(results.map((r) => r.notify)).toEqual(['firing', 'resolved']);
  });

  it('no-data does not fire: inactive stays inactive, pending drops to inactive', () => {
    const results = run([[0, null], [1_000, true], [2_000, null], [10_000, null]]);
    expect(results.map((r) => r.state)).toEqual(['inactive', 'pending', 'inactive', 'inactive']);
    expect(results.map((r) => r.noData)).toEqual([true, false, true, true]);
    expect(results.every((r) => r.notify === null)).toBe(true);
  });

  it('no-data does not resolve a firing alert by itself, however long it lasts', () => {
    const results = run([[0, true], [5_000, true], [6_000, null], [50_000, null], [59_000, true]]);
    expect(results.map((r) => r.state)).toEqual(['pending', 'firing', 'firing', 'firing', 'firing']);
    expect(results.map((r) => r.notify)).toEqual([null, 'firing', null, null, null]);
  });

  it('a firing alert is repeated every `repeat`, counted from the last notification', () => {
    const results = run([[0, true], [5_000, true], [64_999, true], [65_000, true], [100_000, null], [125_000, false]], { ...timing, keepFiringForMs: 1_000_000 });
    expect(results.map((r) => r.notify)).toEqual([null, 'firing', null, 'repeat', null, 'repeat']);
  });

  it('holds: every operator; null and non-finite values are no-data', () => {
    expect([holds(2, '>', 1), holds(1, '>', 1), holds(1, '>=', 1), holds(0, '<', 1), holds(1, '<=', 1), holds(1, '==', 1), holds(1, '!=', 1)]).toEqual([
      true,
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(holds(null, '>', 0)).toBeNull();
    expect(holds(Number.NaN, '>', 0)).toBeNull();
  });
});
