const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

/**
 * An alert's fingerprint as Prometheus computes a label set's (`model.LabelSet.Fingerprint`): FNV-1a
 * 64 over the label names sorted, each name and value followed by the byte 0xff, as 16 hex digits.
 * It depends on the labels only, so it is the same in every process and after a restart.
 */
export function fingerprint(labels: Record<string, string>): string {
  let hash = FNV_OFFSET;
  const add = (text: string) => {
    for (const byte of Buffer.from(text, 'utf8')) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK;
    hash = ((hash ^ BigInt(SEPARATOR)) * FNV_PRIME) & MASK;
  };
  for (const name of Object.keys(labels).sort()) {
    add(name);
    add(labels[name]);
  }
  return hash.toString(16).padStart(16, '0');
}
