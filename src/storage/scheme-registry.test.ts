import { describe, expect, it } from 'vitest';
import { SchemeRegistry, urlScheme } from './scheme-registry.js';

describe('SchemeRegistry', () => {
  it('opens the backend a URL selects, by scheme or by bare name, passing the URL and deps', async () => {
    const calls: string[] = [];
    const registry = new SchemeRegistry<string, { tag: string }>('test')
      .register('file:', async (url, deps) => (calls.push(url), `file ${deps.tag}`))
      .register('embedded', async () => 'embedded');
    expect(await registry.open('FILE:///tmp/x', { tag: 'a' })).toBe('file a');
    expect(calls).toEqual(['FILE:///tmp/x']);
    expect(await registry.open('embedded', { tag: 'b' })).toBe('embedded');
    expect(registry.accepts('file:/x')).toBe(true);
    expect(registry.accepts('embedded:x')).toBe(false);
  });

  it('calls no factory before a URL selects it (lazy backends)', async () => {
    let loaded = 0;
    const registry = new SchemeRegistry<number>('test').register('s3:', async () => ++loaded);
    expect(loaded).toBe(0);
    expect(await registry.open('s3://b/p')).toBe(1);
  });

  it('refuses an unknown scheme, listing the known ones as shown, without echoing the URL', async () => {
    const registry = new SchemeRegistry<string>('widget')
      .register('embedded', async () => 'e')
      .register('redis:', async () => 'r', { shown: 'redis://' });
    const err = (await registry.open('amqp://user:secret@host/q').catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({
      code: 'ORCH_CONFIG_UNKNOWN_SCHEME',
      details: { scheme: 'amqp:', known: ['embedded', 'redis://'] },
    });
    expect(err.message).toBe("Unknown widget URL scheme 'amqp:'; known: embedded, redis://");
    await expect(registry.open('')).rejects.toMatchObject({ code: 'ORCH_CONFIG_UNKNOWN_SCHEME' });
    await expect(registry.open('not a url')).rejects.toMatchObject({ code: 'ORCH_CONFIG_UNKNOWN_SCHEME' });
  });

  it('throws when a scheme is registered twice', () => {
    const registry = new SchemeRegistry<string>('test').register('file:', async () => 'a');
    expect(() => registry.register('FILE:', async () => 'b')).toThrow(expect.objectContaining({ code: 'ORCH_CONFIG_SCHEME_EXISTS' }));
  });
});

describe('urlScheme', () => {
  it('reads the scheme as URL parsers do, or nothing', () => {
    expect(urlScheme('Postgres://u@h/db')).toBe('postgres:');
    expect(urlScheme('sqlite::memory:')).toBe('sqlite:');
    expect(urlScheme('embedded')).toBe('');
    expect(urlScheme('1abc:x')).toBe('');
  });
});
