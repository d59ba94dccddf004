import type { Kysely } from 'kysely';
import type { MetadataStore } from '../storage/index.js';
import { decodeHistogram, encodeHistogram } from './histogram.js';
import type { MetricNamespace, MetricSample } from './types.js';

/** The metrics table (migration 0026_metrics); only this store reads or writes it. */
export interface MetricSamplesTable {
  namespace: string;
  metric: string;
  series: string;
  /** Epoch minutes. */
  minute: number;
  owner: string;
  dimensions_json: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  histogram: string | null;
  version: number;
}

interface MetricTables {
  metric_samples: MetricSamplesTable;
}

/** One stored minute as read back. */
export interface StoredSample {
  dimensions: Record<string, string>;
  /** Epoch milliseconds of the minute's start. */
  minute: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  histogram: string | null;
}

const MINUTE_MS = 60_000;
/** Compare-and-set rounds before a merge gives up (only writers of the same minute race). */
const MAX_ROUNDS = 20;

/** The canonical key of a set of dimensions: sorted `key=value` pairs, URI-escaped. */
export function seriesKey(dimensions: Readonly<Record<string, string>>): string {
  return Object.keys(dimensions)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(dimensions[k])}`)
    .join(',');
}

/**
 * The resource a series belongs to, which queries filter on first: the endpoint or the job,
 * and a monitoring schedule's series its schedule (they name the endpoint too). Null when the
 * dimensions do not name it (a query then reads the namespace's metric and filters).
 */
export function ownerOf(namespace: MetricNamespace, dimensions: Readonly<Record<string, string>>): string | null {
  const owner = namespace === 'monitor' ? dimensions.schedule : namespace === 'endpoint' ? dimensions.endpoint : dimensions.job;
  return owner ?? null;
}

export class MetricsStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db(): Kysely<MetricTables> {
    return this.metadata.db as unknown as Kysely<MetricTables>;
  }

  /**
   * Adds samples: a new minute is inserted, a minute already stored is merged (counts and
   * sums added, min and max kept, histograms added bucket by bucket) by compare-and-set on
   * `version`, the same on SQLite and PostgreSQL, so concurrent writers lose nothing.
   */
  async put(samples: readonly MetricSample[]): Promise<void> {
    for (const s of samples) {
      if (!(s.count > 0)) continue;
      const row: MetricSamplesTable = {
        namespace: s.namespace,
        metric: s.metric,
        series: seriesKey(s.dimensions),
        minute: Math.floor(s.minute / MINUTE_MS),
        owner: ownerOf(s.namespace, s.dimensions) ?? '',
        dimensions_json: JSON.stringify(s.dimensions),
        count: s.count,
        sum: s.sum,
        min: s.min,
        max: s.max,
        histogram: s.histogram ? encodeHistogram(s.histogram) || null : null,
        version: 1,
      };
      await this.upsert(row, s.histogram);
    }
  }

  private async upsert(row: MetricSamplesTable, histogram: readonly number[] | undefined): Promise<void> {
    const key = (q: any) => q.where('namespace', '=', row.namespace).where('metric', '=', row.metric).where('series', '=', row.series).where('minute', '=', row.minute);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const inserted = await this.db
        .insertInto('metric_samples')
        .values(row)
        .onConflict((oc) => oc.columns(['namespace', 'metric', 'series', 'minute']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return;
      const current = await key(this.db.selectFrom('metric_samples').select(['count', 'sum', 'min', 'max', 'histogram', 'version'])).executeTakeFirst();
      if (!current) continue; // removed by the retention sweep meanwhile: insert again
      const merged = histogram || current.histogram ? encodeHistogram(decodeHistogram(current.histogram, histogram ? [...histogram] : undefined)) || null : null;
      const updated = await key(
        this.db.updateTable('metric_samples').set({
          count: Number(current.count) + row.count,
          sum: Number(current.sum) + row.sum,
          min: Math.min(Number(current.min), row.min),
          max: Math.max(Number(current.max), row.max),
          histogram: merged,
          version: Number(current.version) + 1,
        }),
      )
        .where('version', '=', current.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) return;
    }
    throw new Error(`metric_samples: could not merge ${row.namespace}/${row.metric}/${row.series} at minute ${row.minute} after ${MAX_ROUNDS} rounds`);
  }

  /** Samples of one metric of a namespace in [from, to) (epoch ms), of one owner when given. */
  async read(namespace: MetricNamespace, metric: string, owner: string | null, from: number, to: number): Promise<StoredSample[]> {
    let q = this.db
      .selectFrom('metric_samples')
      .select(['dimensions_json', 'minute', 'count', 'sum', 'min', 'max', 'histogram'])
      .where('namespace', '=', namespace)
      .where('metric', '=', metric)
      .where('minute', '>=', Math.floor(from / MINUTE_MS))
      .where('minute', '<', Math.ceil(to / MINUTE_MS));
    if (owner !== null) q = q.where('owner', '=', owner);
    const rows = await q.orderBy('minute').execute();
    return rows.map((r) => ({
      dimensions: JSON.parse(r.dimensions_json) as Record<string, string>,
      minute: Number(r.minute) * MINUTE_MS,
      count: Number(r.count),
      sum: Number(r.sum),
      min: Number(r.min),
      max: Number(r.max),
      histogram: r.histogram,
    }));
  }

  /** Whether any sample of an owner exists in a namespace (an owner known only by its data). */
  async hasOwner(namespace: MetricNamespace, owner: string): Promise<boolean> {
    const row = await this.db.selectFrom('metric_samples').select('minute').where('namespace', '=', namespace).where('owner', '=', owner).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes every minute before `before` (epoch ms); returns how many rows went. */
  async sweep(before: number): Promise<number> {
    const deleted = await this.db.deleteFrom('metric_samples').where('minute', '<', Math.floor(before / MINUTE_MS)).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }
}
