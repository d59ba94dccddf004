import { describe, expect, it } from 'vitest';
import { hostGuard, hostName } from './host-guard.js';

describe('Host header guard', () => {
  it('reads the name of a Host header, with or without a port', () => {
    expect(hostName('LocalHost:7070')).toBe('localhost');
    expect(hostName('127.0.0.1')).toBe('127.0.0.1');
    expect(hostName('[::1]:7070')).toBe('::1');
    expect(hostName('[::1]')).toBe('::1');
    expect(hostName('orchard.example.')).toBe('orchard.example');
    expect(hostName('a:b')).toBeNull();
    expect(hostName('[::1')).toBeNull();
    expect(hostName('[::1]x')).toBeNull();
    expect(hostName(':7070')).toBeNull();
  });

  it('answers the bind address, localhost and IP addresses by default, on any port, and nothing else', () => {
    const allowed = hostGuard({ host: '127.0.0.1', allowedHosts: [], hostname: 'box' });
    for (const h of ['localhost', 'localhost:7070', 'LOCALHOST:1', '127.0.0.1:7070', '[::1]:7070', 'app.localhost:5173', '10.1.2.3:7070', '[fe80::1]']) {
      expect(allowed(h), h).toBe(true);
    }
    for (const h of ['evil.example', 'evil.example:7070', 'localhost.evil.example', 'box', 'box:7070', '127.0.0.1.nip.io', 'a:b', '']) {
      expect(allowed(h), h).toBe(false);
    }
    // A remembered answer stays the same the second time (the fast path's cache).
    expect(allowed('localhost:7070')).toBe(true);
    expect(allowed('evil.example')).toBe(false);
    // HTTP/1.0 without a Host header does not come from a browser.
    expect(allowed(undefined)).toBe(true);
  });

  it('answers a named bind address, and on every interface also the machine name', () => {
    expect(hostGuard({ host: 'orchard.lan', allowedHosts: [] })('Orchard.LAN:7070')).toBe(true);
    const any4 = hostGuard({ host: '0.0.0.0', allowedHosts: [], hostname: 'Box' });
    expect(any4('box:7070')).toBe(true);
    expect(any4('other-box:7070')).toBe(false);
    expect(hostGuard({ host: '::', allowedHosts: [], hostname: 'box' })('box')).toBe(true);
    expect(hostGuard({ host: '127.0.0.1', allowedHosts: [], hostname: 'box' })('box')).toBe(false);
  });

  it('answers the configured names too, and any with *', () => {
    const allowed = hostGuard({ host: '127.0.0.1', allowedHosts: ['orchard.example', '[fd00::5]'] });
    expect(allowed('orchard.example:443')).toBe(true);
    expect(allowed('fd00::5')).toBe(false); // not a valid Host header without brackets
    expect(allowed('[fd00::5]:7070')).toBe(true);
    expect(allowed('sub.orchard.example')).toBe(false);
    expect(hostGuard({ host: '127.0.0.1', allowedHosts: ['ml.internal:7070'] })('ml.internal:8080')).toBe(true);
    const any = hostGuard({ host: '127.0.0.1', allowedHosts: ['*'] });
    expect(any('anything.example')).toBe(true);
  });
});
