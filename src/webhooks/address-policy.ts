import net from 'node:net';
import { OrchardError } from '../core/index.js';

/**
 * Which addresses a webhook may reach without an allow rule. Refused: loopback,
 * unspecified, link-local, private (RFC 1918, unique-local fc00::/7, the carrier-grade
 * NAT range 100.64/10), multicast and reserved (240/4, the broadcast address, the
 * deprecated site-local fec0::/10), and the same addresses written inside IPv6: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
 */
const RANGES: ReadonlyArray<readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6', what: string]> = [
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fec0::', 10, 'ipv6', 'a site-local address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

/** One BlockList per reason, so a refusal names its reason. */
const LISTS: ReadonlyArray<{ what: string; list: net.BlockList }> = (() => {
  const byWhat = new Map<string, net.BlockList>();
  for (const [network, prefix, family, what] of RANGES) {
    let list = byWhat.get(what);
    if (!list) byWhat.set(what, (list = new net.BlockList()));
    list.addSubnet(network, prefix, family);
  }
  return [...byWhat].map(([what, list]) => ({ what, list }));
})();

/** The 16 bytes of an IPv6 address (a zone such as `%eth0` ignored), or null. */
export function ipv6Bytes(address: string): Uint8Array | null {
  const text = address.replace(/%.*$/, '');
  if (net.isIPv6(text) === false) return null;
  let head = text;
  const tail: number[] = [];
  // A dotted IPv4 ending (::ffff:1.2.3.4) is its last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail.push(...dotted[1].split('.').map(Number));
    head = text.slice(0, -dotted[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const missing = 8 - tail.length / 2 - l.length - r.length;
  if (missing < 0 || (right === undefined && missing !== 0)) return null;
  const words = [...l, ...new Array<number>(missing).fill(0), ...r];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  bytes.set(tail, 16 - tail.length);
  return bytes;
}

/**
 * The IPv4 address an IPv6 address carries, with the form's name: IPv4-mapped
 * (::ffff:0:0/96), IPv4-compatible (::/96, other than :: and ::1) or NAT64 (64:ff9b::/96).
 */
export function embeddedIpv4(address: string): { ipv4: string; form: string } | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const ipv4 = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return { ipv4, form: 'IPv4-mapped' };
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return { ipv4, form: 'NAT64' };
  if (zeros(0, 12) && !zeros(12, 15)) return { ipv4, form: 'IPv4-compatible' };
  return null;
}

/**
 * Why an address is not public (e.g. "a loopback address", "an IPv4-mapped form of
 * 10.0.0.1, a private address"), or null for a public address.
 */
export function classifyAddress(address: string): string | null {
  const family = net.isIP(address.replace(/%.*$/, ''));
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const inner = embeddedIpv4(address);
    if (inner) {
      const what = classifyAddress(inner.ipv4);
      return what === null ? null : `an ${inner.form} form of ${inner.ipv4}, ${what}`;
    }
  }
  const plain = address.replace(/%.*$/, '');
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { what, list } of LISTS) if (list.check(plain, type)) return what;
  return null;
}

/** An admin's allow rule, parsed. */
export type AllowRule =
  | { kind: 'host'; pattern: string; host: string; port: number | null }
  | { kind: 'suffix'; pattern: string; suffix: string; port: number | null }
  | { kind: 'address'; pattern: string; list: net.BlockList; port: number | null };

const HOST_LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

/** A host name as compared: lower case, without a trailing dot or IPv6 brackets. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/**
 * Parses a rule pattern: a host name, `*.suffix`, an IP address or a CIDR block. Throws
 * ORCH_WEBHOOK_INVALID naming what is wrong.
 */
export function parseAllowRule(pattern: string, port: number | null = null): AllowRule {
  const invalid = (why: string) => new OrchardError('ORCH_WEBHOOK_INVALID', { message: `Invalid allow rule '${pattern.slice(0, 100)}': ${why}`, details: { pattern } });
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) throw invalid('the port must be a whole number from 1 to 65535');
  const text = normalizeHost(pattern.trim());
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const family = net.isIP(ip);
  if (family !== 0) {
    const bits = family === 4 ? 32 : 128;
    const prefix = slash < 0 ? bits : Number(text.slice(slash + 1));
    if (!/^\d+$/.test(slash < 0 ? String(bits) : text.slice(slash + 1)) || prefix > bits) throw invalid(`the prefix length must be 0 to ${bits}`);
    const list = new net.BlockList();
    list.addSubnet(ip, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'address', pattern: slash < 0 ? ip : `${ip}/${prefix}`, list, port };
  }
  if (slash >= 0) throw invalid('a CIDR block needs an IP address before the /');
  if (text.startsWith('*.')) {
    const suffix = text.slice(2);
    if (!HOST_NAME.test(suffix) || !suffix.includes('.')) throw invalid('`*.` must be followed by a domain of at least two labels (e.g. *.example.com)');
    return { kind: 'suffix', pattern: text, suffix, port };
  }
  if (!HOST_NAME.test(text)) throw invalid('use a host name, *.domain, an IP address or a CIDR block (e.g. 10.0.0.0/8)');
  return { kind: 'host', pattern: text, host: text, port };
}

function addressMatches(list: net.BlockList, address: string): boolean {
  const plain = address.replace(/%.*$/, '');
  const family = net.isIP(plain);
  if (family === 0) return false;
  if (list.check(plain, family === 4 ? 'ipv4' : 'ipv6')) return true;
  // A rule for 127.0.0.1 admits ::ffff:127.0.0.1 too: it is the same address.
  const inner = family === 6 ? embeddedIpv4(plain) : null;
  return inner !== null && list.check(inner.ipv4, 'ipv4');
}

/** Whether a rule admits this host name (any of its addresses) on this port. */
export function ruleAdmitsHost(rule: AllowRule, host: string, port: number): boolean {
  if (rule.port !== null && rule.port !== port) return false;
  const name = normalizeHost(host);
  if (rule.kind === 'host') return name === rule.host;
  if (rule.kind === 'suffix') return name.endsWith(`.${rule.suffix}`);
  return false;
}

/** Whether a rule admits this resolved address on this port. */
export function ruleAdmitsAddress(rule: AllowRule, address: string, port: number): boolean {
  if (rule.port !== null && rule.port !== port) return false;
  return rule.kind === 'address' && addressMatches(rule.list, address);
}

/**
 * Checks every address a host resolved to: each must be public or admitted by a rule (by
 * the host's name, or by the address). Throws ORCH_WEBHOOK_ADDRESS_REFUSED naming the host,
 * the address and the reason.
 */
export function checkAddresses(host: string, port: number, addresses: readonly string[], rules: readonly AllowRule[]): void {
  const name = normalizeHost(host);
  if (rules.some((rule) => ruleAdmitsHost(rule, name, port))) return;
  const literal = net.isIP(name) !== 0;
  for (const address of addresses) {
    const what = classifyAddress(address);
    if (what === null || rules.some((rule) => ruleAdmitsAddress(rule, address, port))) continue;
    const where = literal ? `${name} is ${what}` : `${name} resolves to ${address}, ${what}`;
    throw new OrchardError('ORCH_WEBHOOK_ADDRESS_REFUSED', {
      message: `Webhook target refused: ${where}, not in the allow-list (an admin may add it: orchard webhooks allow add ${literal ? name : `${name} or ${address}`})`,
      details: { host: name, address, port, reason: what },
    });
  }
}
