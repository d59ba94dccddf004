import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ExportReviewsInput, ReviewExport } from '../contracts/index.js';
import { OrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { exportRows, type ExportLoop } from './export.js';
import type { HumanLoopsTable, ReviewStore } from './store.js';

/** Tags on an export's dataset version: the flow, and the last loop it holds (`<ended at>|<loop>`). */
export const EXPORT_FLOW_TAG = 'orchard:review-flow';
export const EXPORT_THROUGH_TAG = 'orchard:review-through';
const EXPORT_PAGE = 1000;
const EXPORT_MAX_LOOPS = 100_000;
/** How long a server holds a flow's export lease: longer than an export takes, short enough that a crash frees it. */
const EXPORT_LEASE_MS = 10 * 60_000;

/** Where a flow's completed loops are written (A2I's layout), and its exports' row provenance. */
export const outputPrefixOf = (flow: string) => `reviews/${flow}/`;

export interface ReviewExporterDeps {
  store: ReviewStore;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'create' | 'versions'>;
  log(message: string): void;
}

/**
 * A flow's completed loops as dataset versions for retraining: on request, and on its own
 * every `everyLoops` completed loops. The last exported loop is kept in the version's tags,
 * so the next export starts after it.
 */
export class ReviewExporter {
  /** Automatic exports running in this process, by flow. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: ReviewExporterDeps) {}

  /** Waits for the automatic exports under way. */
  async close(): Promise<void> {
    await Promise.all(this.running.values());
  }

  /**
   * The last loop exported from a flow to a dataset (its versions' tag), null when none;
   * throws on a dataset name that is not one.
   */
  async watermark(flow: string, dataset: string): Promise<{ endedAt: string; name: string } | null> {
    const versions = await this.deps.datasets.versions(dataset).catch((err: unknown) => {
      if (err instanceof OrchardError && err.code === 'ORCH_DATASET_NOT_FOUND') return [];
      throw err;
    });
    let after: { endedAt: string; name: string } | null = null;
    for (const v of versions) {
      const through = v.tags[EXPORT_FLOW_TAG] === flow ? v.tags[EXPORT_THROUGH_TAG] : undefined;
      const bar = through?.indexOf('|') ?? -1;
      if (through === undefined || bar < 0) continue;
      const mark = { endedAt: through.slice(0, bar), name: through.slice(bar + 1) };
      if (after === null || mark.endedAt > after.endedAt || (mark.endedAt === after.endedAt && mark.name > after.name)) after = mark;
    }
    return after;
  }

  /**
   * A flow's automatic export, after one of its loops completed: when `everyLoops` loops
   * have completed since its last export, one server (the flow's export lease) writes the
   * next version. Off the reviewer's request; one at a time per flow in this process.
   */
  afterCompletion(flowName: string): void {
    if (this.running.has(flowName)) return;
    const run = (async () => {
      const due = async () => {
        const flow = await this.deps.store.flow(flowName).catch(() => null);
        if (!flow?.export_dataset || !flow.export_every) return null;
        const count = await this.deps.store.completedCount(flow.name, await this.watermark(flow.name, flow.export_dataset));
        return count >= flow.export_every ? flow : null;
      };
      if (!(await due())) return;
      const now = Date.now();
      if (!(await this.deps.store.leaseExport(flowName, new Date(now).toISOString(), new Date(now + EXPORT_LEASE_MS).toISOString()))) return;
      try {
        // Another server may have exported between the count and the lease.
        const flow = await due();
        if (flow) await this.export(flow.name, { dataset: flow.export_dataset!, ...(flow.created_by ? { createdBy: flow.created_by } : {}) });
      } finally {
        await this.deps.store.releaseExport(flowName);
      }
    })()
      .catch((err) => this.deps.log(`human review ${flowName}: the automatic export failed (${(err as Error).message})`))
      .finally(() => this.running.delete(flowName));
    this.running.set(flowName, run);
  }

  /**
   * Writes the flow's completed loops as the next version of a dataset: those completed
   * since the last export to that dataset (its versions' watermark tag) unless `all`, and
   * from `since` on. Two exports racing on one dataset may write the same loops twice; one
   * export at a time per dataset is the caller's part.
   */
  async export(flowName: string, input: ExportReviewsInput): Promise<ReviewExport> {
    const flow = await this.deps.store.flow(flowName);
    if (input.since !== undefined && Number.isNaN(Date.parse(input.since))) {
      throw new OrchardError('ORCH_REVIEW_INVALID', { message: `since: '${input.since}' is not an ISO-8601 time`, details: { field: 'since' } });
    }
    const since = input.since === undefined ? null : new Date(input.since).toISOString();
    // Read also with `all`: it checks the dataset's name before anything is written.
    const exported = await this.watermark(flow.name, input.dataset);
    const after = input.all ? null : exported;
    const loops: HumanLoopsTable[] = [];
    for (let mark = after; loops.length < EXPORT_MAX_LOOPS; ) {
      const page = await this.deps.store.completedLoops(flow.name, mark, since, EXPORT_PAGE);
      loops.push(...page);
      if (page.length < EXPORT_PAGE) break;
      const last = page[page.length - 1];
      mark = { endedAt: last.ended_at!, name: last.name };
    }
    const empty: ReviewExport = { flow: flow.name, dataset: null, version: null, format: null, loops: 0, rows: 0, provenance: null, skipped: [], through: null };
    if (loops.length === 0) return empty;
    const answers = new Map<string, ExportLoop['answers']>();
    for (let i = 0; i < loops.length; i += EXPORT_PAGE) {
      for (const a of await this.deps.store.answersOf(loops.slice(i, i + EXPORT_PAGE).map((l) => l.name))) {
        const list = answers.get(a.loop) ?? [];
        list.push({ worker: a.worker, answer: JSON.parse(a.answer_json!) as Record<string, unknown>, answeredAt: a.answered_at! });
        answers.set(a.loop, list);
      }
    }
    const rows = exportRows(
      loops.map((l) => ({ name: l.name, endedAt: l.ended_at!, inferenceId: l.inference_id, input: JSON.parse(l.input_json) as Record<string, unknown>, answers: answers.get(l.name) ?? [] })),
      JSON.parse(flow.labels_json) as string[],
    );
    const last = loops[loops.length - 1];
    if (rows.provenance.length === 0) return { ...empty, skipped: rows.skipped };
    // CSV rows are the training layout only; what each row came from goes beside them, in row order.
    let provenance: string | null = null;
    if (rows.format === 'csv') {
      provenance = `${outputPrefixOf(flow.name)}exports/${input.dataset}/${last.ended_at!.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.jsonl`;
      await this.deps.artifacts.put(provenance, rows.provenance.map((p) => JSON.stringify(p)).join('\n') + '\n');
    }
    const version = await this.deps.datasets.create({
      name: input.dataset,
      format: rows.format,
      body: Readable.from([rows.body]),
      description: `Reviewed answers of flow definition ${flow.name}: ${rows.provenance.length} rows from ${loops.length - rows.skipped.length} human loops`,
      tags: { [EXPORT_FLOW_TAG]: flow.name, [EXPORT_THROUGH_TAG]: `${last.ended_at!}|${last.name}`, ...(provenance ? { 'orchard:review-provenance': provenance } : {}) },
      ...(input.createdBy ? { createdBy: input.createdBy } : {}),
    });
    return {
      flow: flow.name,
      dataset: `${version.name}@${version.version}`,
      version: version.version,
      format: rows.format,
      loops: loops.length - rows.skipped.length,
      rows: rows.provenance.length,
      provenance,
      skipped: rows.skipped,
      through: last.ended_at!,
    };
  }
}
