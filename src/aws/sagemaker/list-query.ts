/**
 * The filters and order SageMaker's List* operations share: `NameContains`,
 * `CreationTimeAfter`/`Before`, `LastModifiedTimeAfter`/`Before`, `SortBy`, `SortOrder`.
 * Orchard's services list newest first, most with name and status filters; a time window,
 * another order or a filter the service lacks is applied here over the whole list (read in
 * pages), or over a list the control plane holds whole (`pageOf`).
 */
import type { Fields } from './fields.js';
import { nextToken, readPage } from './operation.js';

const NAME_CONTAINS = { pattern: /^[a-zA-Z0-9-]+$/, source: '[a-zA-Z0-9\\-]+' } as const;
/** The most items read to filter or sort one list call. */
const MAX_SCANNED = 10_000;
const SCAN_PAGE = 500;

export interface ListQuery {
  offset: number;
  limit: number;
  nameContains?: string;
  /** Epoch seconds, exclusive, as SageMaker compares them. */
  createdAfter?: number;
  createdBefore?: number;
  modifiedAfter?: number;
  modifiedBefore?: number;
  sortBy: string;
  descending: boolean;
  /** `StatusEquals`, for the operations that take it. */
  status?: string;
}

/** What a listed item is sorted and filtered by. */
export interface ListedKeys {
  name: string;
  createdAt: string;
  updatedAt?: string | null;
  status?: string;
}

/** Reads the shared list fields; `sortBy` lists the SortBy values the operation takes (the first is the default). */
export function readListQuery(f: Fields, options: { sortBy: readonly string[]; nameContains?: boolean; modifiedTimes?: boolean; statuses?: readonly string[]; defaultOrder?: 'Ascending' | 'Descending' }): ListQuery {
  const query: ListQuery = {
    ...readPage(f),
    createdAfter: f.num('CreationTimeAfter'),
    createdBefore: f.num('CreationTimeBefore'),
    sortBy: f.str('SortBy', { enum: options.sortBy }) ?? options.sortBy[0],
    descending: (f.str('SortOrder', { enum: ['Ascending', 'Descending'] }) ?? options.defaultOrder ?? 'Descending') === 'Descending',
  };
  if (options.statuses) query.status = f.str('StatusEquals', { enum: options.statuses });
  if (options.nameContains !== false) query.nameContains = f.str('NameContains', { max: 63, pattern: NAME_CONTAINS });
  if (options.modifiedTimes !== false) {
    query.modifiedAfter = f.num('LastModifiedTimeAfter');
    query.modifiedBefore = f.num('LastModifiedTimeBefore');
  }
  return query;
}

/** True when the service's own order and paging answer the query (newest first, no time window, its filters enough). */
function servicePaged(q: ListQuery, filters: ServiceFilters): boolean {
  if ((q.nameContains !== undefined && !filters.nameContains) || (q.status !== undefined && !filters.status)) return false;
  return q.sortBy === 'CreationTime' && q.descending && q.createdAfter === undefined && q.createdBefore === undefined && q.modifiedAfter === undefined && q.modifiedBefore === undefined;
}

/** Which of the query's filters the service's list applies itself. @default both */
export interface ServiceFilters {
  nameContains?: boolean;
  status?: boolean;
}

const seconds = (iso: string | null | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);
const inWindow = (value: number | undefined, after: number | undefined, before: number | undefined) => (after === undefined || (value !== undefined && value > after)) && (before === undefined || (value !== undefined && value < before));

function compare(a: string | undefined, b: string | undefined): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}

/**
 * One page of a list: `fetch` reads the service's list (newest first, the filters it has
 * applied, as `filters` says); `keys` names what an item is filtered and sorted by.
 */
export async function listPage<T>(q: ListQuery, fetch: (limit: number, offset: number) => Promise<{ items: T[]; total: number }>, keys: (item: T) => ListedKeys, filters: ServiceFilters = { nameContains: true, status: true }): Promise<{ items: T[]; nextToken?: string }> {
  if (servicePaged(q, filters)) {
    const page = await fetch(q.limit, q.offset);
    return { items: page.items, nextToken: nextToken(q.offset, page.items.length, page.total) };
  }
  return pageOf(q, await readAll(fetch), keys);
}

/** Every item of a service's list (up to 10,000), read in pages. */
export async function readAll<T>(fetch: (limit: number, offset: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; offset < MAX_SCANNED; offset += SCAN_PAGE) {
    const page = await fetch(SCAN_PAGE, offset);
    all.push(...page.items);
    if (page.items.length < SCAN_PAGE || all.length >= page.total) break;
  }
  return all;
}

/** One page of a list held whole: filtered by name, status and times, sorted, paged. */
export function pageOf<T>(q: ListQuery, all: readonly T[], keys: (item: T) => ListedKeys): { items: T[]; nextToken?: string } {
  const keyed = all.map((item) => ({ item, k: keys(item) }));
  const matching = keyed.filter(
    ({ k }) =>
      (q.nameContains === undefined || k.name.includes(q.nameContains)) &&
      (q.status === undefined || k.status === q.status) &&
      inWindow(seconds(k.createdAt), q.createdAfter, q.createdBefore) &&
      inWindow(seconds(k.updatedAt ?? k.createdAt), q.modifiedAfter, q.modifiedBefore),
  );
  const sign = q.descending ? -1 : 1;
  matching.sort((a, b) => {
    const primary = q.sortBy === 'Name' ? compare(a.k.name, b.k.name) : q.sortBy === 'Status' ? compare(a.k.status, b.k.status) : compare(a.k.createdAt, b.k.createdAt);
    return sign * (primary || compare(a.k.name, b.k.name));
  });
  const page = matching.slice(q.offset, q.offset + q.limit).map(({ item }) => item);
  return { items: page, nextToken: nextToken(q.offset, page.length, matching.length) };
}
