/** The alert states of Prometheus' rule manager; "resolved" is the transition back to inactive. */
export type AlertState = 'inactive' | 'pending' | 'firing';

export interface AlertTiming {
  /** How long the condition must hold before pending becomes firing (0: fire at once). */
  forMs: number;
  /** How long a firing alert stays firing after the condition stops holding. */
  keepFiringForMs: number;
  /** A firing alert is notified again after this long without a notification. */
  repeatMs: number;
}

/** What is remembered of one alert between evaluations (persisted, so it survives restarts). */
export interface AlertMemory {
  state: AlertState;
  /** When the condition started holding (the alert became pending). */
  activeSince: number | null;
  /** When it started firing. */
  firedAt: number | null;
  /** The last evaluation at which the condition held. */
  lastTrueAt: number | null;
  /** The last notification of this alert while firing. */
  lastSentAt: number | null;
}

export type Notification = 'firing' | 'resolved' | 'repeat';

export interface Step {
  memory: AlertMemory;
  /** Something to deliver now, if anything. */
  notify: Notification | null;
  /** The value was null: no data in the window. */
  noData: boolean;
}

export const INACTIVE: AlertMemory = { state: 'inactive', activeSince: null, firedAt: null, lastTrueAt: null, lastSentAt: null };

/**
 * One evaluation of one alert at `now`. `condition` is null when the window has no value (no-data):
 * no-data never fires and never resolves a firing alert by itself (a firing alert stays firing, a
 * pending one goes back to inactive, as Prometheus drops a pending alert whose series vanished).
 * inactive → pending when the condition holds (→ firing at once with `for` 0); pending → firing when it
 * has held for `for`; pending → inactive when it stops holding; firing → inactive ("resolved") once it
 * has not held for `keepFiringFor`; a firing alert is repeated every `repeat`.
 */
export function step(memory: AlertMemory, condition: boolean | null, now: number, timing: AlertTiming): Step {
  if (condition === null) {
    if (memory.state === 'pending') return { memory: INACTIVE, notify: null, noData: true };
    return { memory: repeatIfDue(memory, now, timing), notify: isRepeatDue(memory, now, timing) ? 'repeat' : null, noData: true };
  }
  if (condition) {
    switch (memory.state) {
      case 'inactive': {
        const pending: AlertMemory = { ...INACTIVE, state: 'pending', activeSince: now, lastTrueAt: now };
        return timing.forMs <= 0 ? fire(pending, now) : { memory: pending, notify: null, noData: false };
      }
      case 'pending': {
        const pending = { ...memory, lastTrueAt: now };
        return now - (memory.activeSince ?? now) >= timing.forMs ? fire(pending, now) : { memory: pending, notify: null, noData: false };
      }
      case 'firing': {
        const firing = { ...memory, lastTrueAt: now };
        return { memory: repeatIfDue(firing, now, timing), notify: isRepeatDue(firing, now, timing) ? 'repeat' : null, noData: false };
      }
    }
  }
  switch (memory.state) {
    case 'inactive':
      return { memory, notify: null, noData: false };
    case 'pending':
      return { memory: INACTIVE, notify: null, noData: false };
    case 'firing':
      if (now - (memory.lastTrueAt ?? 0) >= timing.keepFiringForMs) return { memory: INACTIVE, notify: 'resolved', noData: false };
      return { memory: repeatIfDue(memory, now, timing), notify: isRepeatDue(memory, now, timing) ? 'repeat' : null, noData: false };
  }
}

function fire(memory: AlertMemory, now: number): Step {
  return { memory: { ...memory, state: 'firing', firedAt: now, lastSentAt: now }, notify: 'firing', noData: false };
}

function isRepeatDue(memory: AlertMemory, now: number, timing: AlertTiming): boolean {
  return memory.state === 'firing' && timing.repeatMs > 0 && now - (memory.lastSentAt ?? now) >= timing.repeatMs;
}

function repeatIfDue(memory: AlertMemory, now: number, timing: AlertTiming): AlertMemory {
  return isRepeatDue(memory, now, timing) ? { ...memory, lastSentAt: now } : memory;
}

export type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';
export const OPS: readonly Op[] = ['>', '>=', '<', '<=', '==', '!='];

/** The rule's condition on a value; null (no data) stays null. */
export function holds(value: number | null, op: Op, threshold: number): boolean | null {
  if (value === null || !Number.isFinite(value)) return null;
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
