export const OTHER_SEGMENT = '__other__';

/**
 * Bounds the segment values that become Prometheus label values: the first `max` values seen per
 * (model, key) keep their name, later ones are reported as `__other__` (DESIGN §6).
 */
export class SegmentCap {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly max: number) {}

  label(model: string, key: string, value: string): string {
    const scope = `${model}\u0000${key}`;
    let values = this.seen.get(scope);
    if (!values) this.seen.set(scope, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= this.max) return OTHER_SEGMENT;
    values.add(value);
    return value;
  }
}
