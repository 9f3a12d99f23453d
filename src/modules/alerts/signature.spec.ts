import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature.js';

describe('X-Plumbline-Signature', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>"> (Python hmac literal)', () => {
    // python3: hmac.new(b'whsec', b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    expect(signatureHeader('whsec', '{"a":1}', 1_700_000_000)).toBe('t=1700000000,v1=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032');
  });

  it('verifies as a receiver would, and refuses a changed body, a wrong secret or a stale timestamp', () => {
    const header = signatureHeader('s3cret', 'body', 1_000);
    const independent = createHmac('sha256', 's3cret').update('1000.body').digest('hex');
    expect(header).toBe(`t=1000,v1=${independent}`);
    expect(verifySignature('s3cret', 'body', header, 1_010)).toBe(true);
    expect(verifySignature('s3cret', 'body!', header, 1_010)).toBe(false);
    expect(verifySignature('other', 'body', header, 1_010)).toBe(false);
    expect(verifySignature('s3cret', 'body', header, 2_000)).toBe(false);
    expect(verifySignature('s3cret', 'body', 'garbage', 1_000)).toBe(false);
  });
});
