import { describe, expect, it } from 'vitest';
import { checkAddresses, classifyAddress, embeddedIpv4, ipv6Bytes, parseAllowRule } from './address-policy.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['0.0.0.0', 'an unspecified address'],
    ['169.254.169.254', 'a link-local address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['224.0.0.251', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['fd12:3456::1', 'a private (unique local) address'],
    ['fc00::1', 'a private (unique local) address'],
    ['ff02::1', 'a multicast address'],
  ])('%s is %s', (address, what) => {
    expect(classifyAddress(address)).toBe(what);
  });

  it.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '2606:4700::1111', '2001:db8::1', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });

  it('sees IPv4 addresses written inside IPv6: mapped (dotted or hex), compatible, NAT64', () => {
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('an IPv4-mapped form of 127.0.0.1, a loopback address');
    expect(classifyAddress('::ffff:7f00:1')).toBe('an IPv4-mapped form of 127.0.0.1, a loopback address');
    expect(classifyAddress('0:0:0:0:0:ffff:a9fe:a9fe')).toBe('an IPv4-mapped form of 169.254.169.254, a link-local address');
    expect(classifyAddress('::ffff:10.0.0.1')).toBe('an IPv4-mapped form of 10.0.0.1, a private address');
    expect(classifyAddress('::10.0.0.1')).toBe('an IPv4-compatible form of 10.0.0.1, a private address');
    expect(classifyAddress('64:ff9b::192.168.0.1')).toBe('an NAT64 form of 192.168.0.1, a private address');
  });

  it('reads IPv6 text into bytes, a dotted ending included', () => {
    expect([...ipv6Bytes('::ffff:1.2.3.4')!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect([...ipv6Bytes('1:2:3:4:5:6:7:8')!].slice(14)).toEqual([0, 8]);
    expect(ipv6Bytes('1.2.3.4')).toBeNull();
    expect(embeddedIpv4('::1')).toBeNull();
    expect(embeddedIpv4('2001:db8::1')).toBeNull();
  });
});

describe('allow rules', () => {
  it('parses host names, *.suffix, IPs and CIDR blocks, and refuses the rest with a reason', () => {
    expect(parseAllowRule('Hooks.Internal.').pattern).toBe('hooks.internal');
    expect(parseAllowRule('*.corp.example').kind).toBe('suffix');
    expect(parseAllowRule('10.0.0.0/8').kind).toBe('address');
    expect(parseAllowRule('[::1]').pattern).toBe('::1');
    expect(() => parseAllowRule('10.0.0.0/33')).toThrow(/prefix length must be 0 to 32/);
    expect(() => parseAllowRule('*.com')).toThrow(/two labels/);
    expect(() => parseAllowRule('bad host!')).toThrow(expect.objectContaining({ code: 'ORCH_WEBHOOK_INVALID' }));
    expect(() => parseAllowRule('example.com', 70000)).toThrow(/port/);
  });

  it('refuses a private address with the host, the address and the reason', () => {
    expect(() => checkAddresses('hooks.example', 443, ['93.184.216.34', '127.0.0.1'], [])).toThrow(
      expect.objectContaining({ code: 'ORCH_WEBHOOK_ADDRESS_REFUSED', message: expect.stringContaining('hooks.example resolves to 127.0.0.1, a loopback address, not in the allow-list') }),
    );
    expect(() => checkAddresses('127.0.0.1', 80, ['127.0.0.1'], [])).toThrow(/127\.0\.0\.1 is a loopback address, not in the allow-list/);
    expect(() => checkAddresses('example.org', 443, ['93.184.216.34', '2606:2800::1'], [])).not.toThrow();
  });

  it('admits by host name, by suffix, by address or block, and by port when the rule has one', () => {
    expect(() => checkAddresses('hooks.internal', 80, ['10.0.0.5'], [parseAllowRule('hooks.internal')])).not.toThrow();
    expect(() => checkAddresses('a.corp.example', 80, ['10.0.0.5'], [parseAllowRule('*.corp.example')])).not.toThrow();
    expect(() => checkAddresses('corp.example', 80, ['10.0.0.5'], [parseAllowRule('*.corp.example')])).toThrow(/refused/);
    expect(() => checkAddresses('x.test', 80, ['10.0.0.5'], [parseAllowRule('10.0.0.0/24')])).not.toThrow();
    expect(() => checkAddresses('x.test', 80, ['10.0.1.5'], [parseAllowRule('10.0.0.0/24')])).toThrow(/10\.0\.1\.5, a private address/);
    expect(() => checkAddresses('127.0.0.1', 8080, ['127.0.0.1'], [parseAllowRule('127.0.0.1', 8080)])).not.toThrow();
    expect(() => checkAddresses('127.0.0.1', 9090, ['127.0.0.1'], [parseAllowRule('127.0.0.1', 8080)])).toThrow(/refused/);
    // The same address in its mapped form is admitted by the IPv4 rule.
    expect(() => checkAddresses('x.test', 80, ['::ffff:127.0.0.1'], [parseAllowRule('127.0.0.1')])).not.toThrow();
    // A rule for one address does not admit the others a name resolves to.
    expect(() => checkAddresses('x.test', 80, ['127.0.0.1', '10.0.0.1'], [parseAllowRule('127.0.0.1')])).toThrow(/10\.0\.0\.1/);
  });
});
