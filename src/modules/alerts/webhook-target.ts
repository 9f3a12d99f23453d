import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** Loopback, private, link-local, carrier-grade NAT, unspecified, multicast or reserved (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

export type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Refuses (with the reason) a webhook URL that is not http(s), carries credentials, or whose host
 * resolves to any private address unless `allowPrivate` (SSRF). Checked on registration and again
 * before every delivery, since DNS can change in between.
 */
export async function checkWebhookTarget(text: string, allowPrivate: boolean, resolve: Resolve = resolveAll): Promise<URL> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`webhook URLs are http or https, not ${url.protocol.replace(':', '')}`);
  if (url.username || url.password) throw new Error('webhook URLs carry no credentials: use the webhook secret');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (error) {
    throw new Error(`the webhook host "${host}" does not resolve (${(error as Error).message})`);
  }
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined || addresses.length === 0) {
    throw new Error(`the webhook host "${host}" is a loopback, private or link-local address (${refused ?? 'none'}); set PLUMBLINE_WEBHOOK_ALLOW_PRIVATE=true to allow it`);
  }
  return url;
}
