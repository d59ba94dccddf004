import { describe, expect, it } from 'vitest';
import { Fields } from './fields.js';
import { listPage, pageOf, readListQuery } from './list-query.js';

interface Item {
  name: string;
  createdAt: string;
  updatedAt: string;
  status: string;
}

// Newest first, as Orchard's services list.
const items: Item[] = [
  { name: 'delta', createdAt: '2026-12-03T10:04:00.000Z', updatedAt: '2026-12-03T10:09:00.000Z', status: 'InProgress' },
  { name: 'alpha', createdAt: '2026-12-03T10:03:00.000Z', updatedAt: '2026-12-03T10:03:30.000Z', status: 'Completed' },
  { name: 'charlie', createdAt: '2026-12-03T10:02:00.000Z', updatedAt: '2026-12-03T10:08:00.000Z', status: 'Failed' },
  { name: 'bravo', createdAt: '2026-12-03T10:01:00.000Z', updatedAt: '2026-12-03T10:01:30.000Z', status: 'Completed' },
];
const seconds = (iso: string) => Date.parse(iso) / 1000;

function fetcher() {
  const calls: Array<[number, number]> = [];
  const fetch = async (limit: number, offset: number) => {
    calls.push([limit, offset]);
    return { items: items.slice(offset, offset + limit), total: items.length };
  };
  return { calls, fetch };
}

async function names(body: Record<string, unknown>, sortBy = ['CreationTime', 'Name', 'Status']): Promise<{ names: string[]; next?: string }> {
  const f = Fields.of(body);
  const q = readListQuery(f, { sortBy });
  f.done();
  const page = await listPage(q, fetcher().fetch, (i) => i);
  return { names: page.items.map((i) => i.name), next: page.nextToken };
}

describe('SageMaker list filters and order', () => {
  it("pages through the service's own order when the query is newest first without a time window", async () => {
    const { calls, fetch } = fetcher();
    const f = Fields.of({ MaxResults: 2 });
    const page = await listPage(readListQuery(f, { sortBy: ['CreationTime'] }), fetch, (i) => i);
    expect(page.items.map((i) => i.name)).toEqual(['delta', 'alpha']);
    expect(calls).toEqual([[2, 0]]);
    expect(page.nextToken).toBeDefined();
  });

  it('sorts by name, status or creation time either way, names breaking ties', async () => {
    expect((await names({ SortBy: 'Name', SortOrder: 'Ascending' })).names).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    expect((await names({ SortBy: 'Name' })).names).toEqual(['delta', 'charlie', 'bravo', 'alpha']);
    expect((await names({ SortBy: 'Status', SortOrder: 'Ascending' })).names).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    expect((await names({ SortOrder: 'Ascending' })).names).toEqual(['bravo', 'charlie', 'alpha', 'delta']);
  });

  it('keeps what was created or modified inside the window (bounds excluded), then pages', async () => {
    expect((await names({ CreationTimeAfter: seconds('2026-12-03T10:02:00.000Z') })).names).toEqual(['delta', 'alpha']);
    expect((await names({ CreationTimeBefore: seconds('2026-12-03T10:03:00.000Z'), SortOrder: 'Ascending' })).names).toEqual(['bravo', 'charlie']);
    expect((await names({ LastModifiedTimeAfter: seconds('2026-12-03T10:05:00.000Z'), SortBy: 'Name', SortOrder: 'Ascending' })).names).toEqual(['charlie', 'delta']);
    const first = await names({ SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 3 });
    expect(first.names).toEqual(['alpha', 'bravo', 'charlie']);
    expect((await names({ SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 3, NextToken: first.next })).names).toEqual(['delta']);
  });

  it('refuses a SortBy the operation does not take, and a time that is not a number', () => {
    const f = Fields.of({ SortBy: 'Status', CreationTimeAfter: 'yesterday' });
    readListQuery(f, { sortBy: ['CreationTime', 'Name'] });
    expect(() => f.done()).toThrow(/^2 validation errors detected: (?=.*'sortBy')(?=.*'creationTimeAfter')/);
  });

  it('applies NameContains and StatusEquals itself when the service does not, and to a list held whole', async () => {
    const { calls, fetch } = fetcher();
    const f = Fields.of({ NameContains: 'a', StatusEquals: 'Completed', MaxResults: 1 });
    const q = readListQuery(f, { sortBy: ['CreationTime'], statuses: ['Completed', 'Failed', 'InProgress'] });
    f.done();
    const page = await listPage(q, fetch, (i) => i, { status: true });
    // The service would have filtered the status: here it is scanned, and both filters hold.
    expect(calls).toEqual([[500, 0]]);
    expect(page.items.map((i) => i.name)).toEqual(['alpha']);
    expect(page.nextToken).toBeDefined();
    expect(pageOf({ ...q, limit: 10 }, items, (i) => i).items.map((i) => i.name)).toEqual(['alpha', 'bravo']);
    expect(pageOf({ ...q, limit: 10, status: undefined, nameContains: 'ar' }, items, (i) => i).items.map((i) => i.name)).toEqual(['charlie']);
  });
});
