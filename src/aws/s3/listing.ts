import type { ArtifactInfo } from '../../storage/index.js';
import type { ObjectView } from './s3-service.js';

export interface ListParams {
  prefix: string;
  delimiter?: string;
  /** At most this many keys and common prefixes together. @default 1000 */
  maxKeys: number;
  /** Only entries after this key (`start-after`, V1's `marker`, or the decoded continuation token). */
  after?: string;
}

export interface ListPage {
  contents: ArtifactInfo[];
  /** `contents` with what S3 tells about each (ETag, …), filled by the service. */
  views: ObjectView[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last entry of this page (a key or a common prefix): where the next page starts. */
  last?: string;
}

/**
 * One page of a listing, as ListObjects(V2) pages: keys sorted, those sharing the part of
 * the key up to the first `delimiter` after `prefix` rolled into one common prefix, which
 * counts as one entry; `after` resumes after a key or after a whole common prefix.
 */
export function listPage(sorted: readonly ArtifactInfo[], params: ListParams): Omit<ListPage, 'views'> {
  const { prefix, delimiter, maxKeys, after } = params;
  const contents: ArtifactInfo[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let count = 0;
  for (const info of sorted) {
    if (!info.key.startsWith(prefix) || (after !== undefined && info.key <= after)) continue;
    let entry: string = info.key;
    let common = false;
    if (delimiter) {
      const at = info.key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        entry = info.key.slice(0, at + delimiter.length);
        common = true;
        // Keys of a common prefix already listed (on this page or the one `after` ended).
        if (entry === last || entry === after) continue;
      }
    }
    if (count >= maxKeys) return { contents, commonPrefixes, isTruncated: true, last };
    if (common) commonPrefixes.push(entry);
    else contents.push(info);
    last = entry;
    count += 1;
  }
  return { contents, commonPrefixes, isTruncated: false, last };
}
