import { describe, expect, it } from 'vitest';
import { parseS3Uri, resolveS3Uri, s3UriOfKey } from './s3-uri.js';

describe('s3 URIs', () => {
  it('splits bucket and key', () => {
    expect(parseS3Uri('s3://orchard/data/train.csv')).toEqual({ bucket: 'orchard', key: 'data/train.csv' });
    expect(parseS3Uri('s3://orchard')).toEqual({ bucket: 'orchard', key: '' });
  });

  it('resolves keys of the served bucket under the store rules', () => {
    expect(resolveS3Uri('s3://orchard/data/train/')).toBe('data/train');
    expect(resolveS3Uri('s3://other/x', { bucket: 'other' })).toBe('x');
    expect(resolveS3Uri('s3://orchard/', { allowEmpty: true })).toBe('');
    expect(resolveS3Uri('s3://orchard/a b/c')).toBe('a b/c');
  });

  it('refuses other buckets, traversal and non-S3 URIs', () => {
    expect(() => resolveS3Uri('s3://elsewhere/x')).toThrow(/bucket 'orchard', not 'elsewhere'/);
    expect(() => resolveS3Uri('s3://orchard/a/../../etc/passwd')).toThrow(/'\.\.' segment/);
    expect(() => resolveS3Uri('s3://orchard/.orchard/meta/x')).toThrow(/reserved/);
    expect(() => resolveS3Uri('s3://orchard/a%2e%2e/x')).toThrow(/percent/);
    expect(() => resolveS3Uri('https://orchard/x')).toThrow(/expected s3:/);
    expect(() => resolveS3Uri('s3://orchard/')).toThrow(/empty/);
  });

  it('builds URIs back', () => {
    expect(s3UriOfKey('jobs/a/output/model.tar.gz')).toBe('s3://orchard/jobs/a/output/model.tar.gz');
  });
});
