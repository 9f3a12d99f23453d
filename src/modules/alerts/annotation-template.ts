/**
 * The two Prometheus template forms users put in alert annotations: `{{ $value }}` (the value that
 * was compared; "no data" when there is none) and `{{ $labels.<name> }}`. Anything else is left as written.
 */
export function expandAnnotations(annotations: Record<string, string>, labels: Record<string, string>, value: number | null): Record<string, string> {
  const expand = (text: string) =>
    text.replace(/\{\{\s*\$(value|labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g, (match, what: string, label?: string) => {
      if (what === 'value') return value === null ? 'no data' : String(value);
      return label !== undefined && label in labels ? labels[label] : match;
    });
  return Object.fromEntries(Object.entries(annotations).map(([key, text]) => [key, expand(text)]));
}
