/**
 * The model-quality service behind the API: ground-truth uploads checked against the
 * endpoint's capture, on-demand evaluations stored as executions, baselines from a
 * dataset. Everything it keeps is in the artifact store under the endpoint's platform
 * folder, beside the capture it reads (SageMaker's layout):
 * `endpoints/<name>/ground-truth/yyyy/mm/dd/hh/*.jsonl` and
 * `endpoints/<name>/model-quality/<execution id>/{execution,statistics,constraint_violations}.json`.
 */
import { randomBytes } from 'node:crypto';
import { OrchardError } from '../../core/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import type { MetricsPort } from '../../metrics/types.js';
import type {
  GroundTruthPutResult,
  ModelQualityBaselineRequest,
  ModelQualityBaselineResult,
  ModelQualityExecution,
  ModelQualityRunRequest,
  PutGroundTruthRequest,
} from '../../contracts/index.js';
import { parseGroundTruth, readCapture, writeGroundTruth } from './records.js';
import { modelQualityBaseline, runModelQuality } from './runner.js';

/** What the service reads of endpoints and datasets (wired by the platform). */
export interface ModelQualityDeps {
  artifacts: ArtifactStore;
  endpoints: { describe(name: string): Promise<unknown> };
  datasets: {
    describe(ref: string): Promise<{ name: string; version: number }>;
    query(sql: string, opts?: { pageSize?: number; pageToken?: string }): Promise<{ rows: Record<string, unknown>[]; nextPageToken: string | null }>;
  };
  /** Stored metrics (namespace `monitor`); absent: not recorded. */
  metrics?: MetricsPort;
}

/** Most rows a baseline reads from its dataset. */
const MAX_BASELINE_ROWS = 1_000_000;
/** Executions listed per endpoint, newest first. */
const MAX_LISTED = 100;

const executionsRoot = (endpoint: string): string => `endpoints/${endpoint}/model-quality/`;

export class ModelQualityService {
  constructor(private readonly deps: ModelQualityDeps) {}

  /**
   * Stores an upload of labels. The ids are checked against the endpoint's capture: when
   * none is known the upload is refused (`ORCH_MONITOR_GROUND_TRUTH_UNKNOWN`: a wrong
   * endpoint or file), and with `strict` when any is; otherwise it is stored whole and the
   * unknown ones counted (capture samples a share of calls, so a label without a captured
   * prediction is normal).
   */
  async putGroundTruth(endpoint: string, request: PutGroundTruthRequest): Promise<GroundTruthPutResult> {
    await this.deps.endpoints.describe(endpoint);
    const records = parseGroundTruth(request.records);
    const captured = new Set((await readCapture(this.deps.artifacts, endpoint)).map((c) => c.id));
    const unknown = [...new Set(records.map((r) => r.eventMetadata.eventId).filter((id) => !captured.has(id)))];
    const distinct = new Set(records.map((r) => r.eventMetadata.eventId)).size;
    if (unknown.length > 0 && (request.strict === true || unknown.length === distinct)) {
      const shown = unknown.slice(0, 5);
      throw new OrchardError('ORCH_MONITOR_GROUND_TRUTH_UNKNOWN', {
        message: `${unknown.length} of ${distinct} inference ids are not in the capture of endpoint '${endpoint}' (e.g. ${shown.map((s) => `'${s}'`).join(', ')})${request.strict ? '' : '; none matched, so nothing was stored'}`,
        details: { endpoint, unknown: unknown.length, ids: shown },
      });
    }
    const key = await writeGroundTruth(this.deps.artifacts, endpoint, records);
    return { endpoint, key, stored: records.length, matched: distinct - unknown.length, unmatched: unknown.length, unmatchedIds: unknown.slice(0, 10) };
  }

  /** A baseline: statistics and suggested constraints of a dataset's prediction and label columns. */
  async baseline(request: ModelQualityBaselineRequest): Promise<ModelQualityBaselineResult> {
    const version = await this.deps.datasets.describe(request.dataset);
    const columns = [request.groundTruthAttribute, request.inferenceAttribute, request.probabilityAttribute].filter((c): c is string => c !== undefined);
    const rows = await this.readRows(`${version.name}@${version.version}`, [...new Set(columns)]);
    const b = modelQualityBaseline(rows, request);
    return { dataset: `${version.name}@${version.version}`, problemType: request.problemType, metrics: b.metrics, rows: b.rows, skipped: b.skipped, statistics: b.statistics, constraints: b.constraints };
  }

  /** Evaluates now over the window and stores the execution (also when it fails for lack of data). */
  async run(endpoint: string, request: ModelQualityRunRequest, createdBy: string | null): Promise<ModelQualityExecution> {
    await this.deps.endpoints.describe(endpoint);
    if (request.constraints !== undefined && request.baseline !== undefined) {
      throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: 'Give constraints or a baseline dataset, not both' });
    }
    const since = request.since === undefined ? undefined : timeOf(request.since, 'since');
    const until = request.until === undefined ? Date.now() : timeOf(request.until, 'until');
    const constraints = request.baseline ? (await this.baseline({ ...request.baseline, problemType: request.problemType })).constraints : request.constraints;
    const result = await runModelQuality(this.deps.artifacts, { ...request, endpoint, since, until, constraints });
    const created = new Date();
    const id = `mq-${created.toISOString().replace(/[-:.]/g, '').replace('T', 't').replace('Z', '')}-${randomBytes(3).toString('hex')}`;
    const folder = `${executionsRoot(endpoint)}${id}/`;
    const statisticsKey = result.statistics ? `${folder}statistics.json` : null;
    const violationsKey = `${folder}constraint_violations.json`;
    if (statisticsKey) await this.deps.artifacts.put(statisticsKey, JSON.stringify(result.statistics, null, 2));
    await this.deps.artifacts.put(violationsKey, JSON.stringify({ violations: result.violations }, null, 2));
    const execution: ModelQualityExecution = {
      id,
      endpoint,
      status: result.status,
      problemType: result.problemType,
      metrics: result.metrics,
      confusionMatrix: result.confusionMatrix,
      violations: result.violations,
      captured: result.captured,
      matched: result.matched,
      skipped: result.skipped,
      since: since === undefined ? null : new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      failureReason: result.failureReason ?? null,
      statisticsKey,
      violationsKey,
      createdAt: created.toISOString(),
      createdBy,
    };
    await this.deps.artifacts.put(`${folder}execution.json`, JSON.stringify(execution));
    await this.record(execution);
    return execution;
  }

  /** An endpoint's executions, newest first. */
  async executions(endpoint: string): Promise<ModelQualityExecution[]> {
    await this.deps.endpoints.describe(endpoint);
    const keys = (await this.deps.artifacts.list(executionsRoot(endpoint))).map((i) => i.key).filter((k) => k.endsWith('/execution.json'));
    keys.sort().reverse();
    const out: ModelQualityExecution[] = [];
    for (const key of keys.slice(0, MAX_LISTED)) out.push(JSON.parse(await text(this.deps.artifacts, key)) as ModelQualityExecution);
    return out;
  }

  async execution(endpoint: string, id: string): Promise<ModelQualityExecution> {
    const key = `${executionsRoot(endpoint)}${id}/execution.json`;
    if (!/^mq-[a-z0-9-]+$/.test(id) || !(await this.deps.artifacts.head(key))) {
      throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_NOT_FOUND', { message: `Endpoint '${endpoint}' has no model-quality execution '${id}'`, details: { endpoint, id } });
    }
    return JSON.parse(await text(this.deps.artifacts, key)) as ModelQualityExecution;
  }

  /** Each metric as a sample in namespace `monitor`, for charts and alarms. */
  private async record(execution: ModelQualityExecution): Promise<void> {
    if (!this.deps.metrics || execution.status === 'Failed') return;
    const minute = Math.floor(Date.parse(execution.createdAt) / 60_000) * 60_000;
    const dimensions = { schedule: 'on-demand', endpoint: execution.endpoint };
    const samples = Object.entries(execution.metrics).map(([metric, v]) => ({ namespace: 'monitor' as const, metric, dimensions, minute, count: 1, sum: v, min: v, max: v }));
    await this.deps.metrics.put(samples);
  }

  private async readRows(table: string, columns: string[]): Promise<Record<string, unknown>[]> {
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const sql = `SELECT ${columns.map(q).join(', ')} FROM ${q(table)}`;
    const rows: Record<string, unknown>[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.deps.datasets.query(sql, { pageSize: 10_000, pageToken });
      rows.push(...page.rows);
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken && rows.length < MAX_BASELINE_ROWS);
    return rows;
  }
}

function timeOf(value: string, field: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: `'${field}' is not an ISO 8601 time: '${value}'`, details: { field } });
  return t;
}

async function text(artifacts: ArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await artifacts.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
