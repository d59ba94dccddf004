import { describe, expect, it } from 'vitest';
import type { ArtifactInfo } from '../../storage/index.js';
import { parseRange } from './object-handlers.js';
import { listPage, type ListParams } from './listing.js';

const infos = (keys: string[]): ArtifactInfo[] => keys.sort().map((key) => ({ key, size: 1, sha256: '0'.repeat(64), createdAt: '2026-01-01T00:00:00.000Z' }));

/** Every entry of a listing, page by page, resuming from each page's last entry. */
function allPages(keys: string[], params: Omit<ListParams, 'after'>): string[][] {
  const pages: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = listPage(infos(keys), { ...params, after });
    pages.push([...page.commonPrefixes, ...page.contents.map((c) => c.key)]);
    if (!page.isTruncated) return pages;
    after = page.last;
  }
}

describe('ListObjects pages', () => {
  const keys = ['a/1', 'a/2', 'a/3', 'b', 'c/x/1', 'c/y', 'd'];

  it('rolls keys sharing a delimited part into one common prefix, counted once, across pages', () => {
    expect(allPages(keys, { prefix: '', delimiter: '/', maxKeys: 2 })).toEqual([['a/', 'b'], ['c/', 'd']]);
    expect(allPages(keys, { prefix: '', delimiter: '/', maxKeys: 1 })).toEqual([['a/'], ['b'], ['c/'], ['d']]);
    expect(allPages(keys, { prefix: 'c/', delimiter: '/', maxKeys: 1000 })).toEqual([['c/x/', 'c/y']]);
  });

  it('pages plain keys and starts after a key', () => {
    expect(allPages(keys, { prefix: '', maxKeys: 3 }).flat()).toEqual(keys);
    expect(listPage(infos(keys), { prefix: '', maxKeys: 1000, after: 'b' }).contents.map((c) => c.key)).toEqual(['c/x/1', 'c/y', 'd']);
  });
});

describe('Range header', () => {
  it('takes one range of the forms S3 takes and ignores the rest', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
    expect(parseRange(undefined, 100)).toBeUndefined();
  });

  it('refuses a range that starts past the end with InvalidRange', () => {
    expect(() => parseRange('bytes=100-', 100)).toThrow(expect.objectContaining({ s3Code: 'InvalidRange', status: 416 }));
    expect(() => parseRange('bytes=0-', 0)).toThrow(expect.objectContaining({ s3Code: 'InvalidRange' }));
  });
});
