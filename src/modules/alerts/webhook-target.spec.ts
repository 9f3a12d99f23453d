import { describe, expect, it } from 'vitest';
import { checkWebhookTarget, isPrivateAddress } from './webhook-target.js';

describe('webhook target (SSRF)', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2606:4700::1111', false],
  ])('%s private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  const resolve = async (host: string) => (host === 'inside.example' ? ['10.0.0.5'] : host === 'mixed.example' ? ['93.184.215.14', '127.0.0.1'] : ['93.184.215.14']);

  it('refuses other schemes, credentials, and names that resolve to a private address', async () => {
    await expect(checkWebhookTarget('ftp://example.com/x', false, resolve)).rejects.toThrow(/http or https, not ftp/);
    await expect(checkWebhookTarget('not a url', false, resolve)).rejects.toThrow(/is not a URL/);
    await expect(checkWebhookTarget('http://u:p@example.com/', false, resolve)).rejects.toThrow(/no credentials/);
    await expect(checkWebhookTarget('http://127.0.0.1:9/x', false, resolve)).rejects.toThrow(/PLUMBLINE_WEBHOOK_ALLOW_PRIVATE/);
    await expect(checkWebhookTarget('http://[::1]:9/x', false, resolve)).rejects.toThrow(/loopback, private/);
    await expect(checkWebhookTarget('http://inside.example/x', false, resolve)).rejects.toThrow(/10\.0\.0\.5/);
    await expect(checkWebhookTarget('http://mixed.example/x', false, resolve)).rejects.toThrow(/127\.0\.0\.1/);
    await expect(checkWebhookTarget('https://hooks.example/x', false, resolve)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookTarget('http://127.0.0.1:9/x', true, resolve)).resolves.toBeInstanceOf(URL);
  });
});
