import type {
  CreateReviewFlowInput,
  ExportReviewsInput,
  HumanLoop,
  HumanLoopFilter,
  Page,
  ReviewAnswerReceipt,
  ReviewExport,
  ReviewFlow,
  ReviewFlowFilter,
  ReviewTask,
  StartHumanLoopInput,
} from '../contracts/index.js';
import { REVIEW_LIMITS, type HumanLoopSource, type HumanLoopStatus } from '../contracts/reviews.values.js';
import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { InvocationTap, TappedInvocation } from '../serving/endpoints/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../storage/index.js';
import { checkReviewAnswer } from './answers.js';
import { outputPrefixOf, ReviewExporter } from './exporter.js';
import { humanAnswers, loopName, loopRow, outputKey, payload } from './loop-records.js';
import { decide, readPredictions, type Activation, type Decision } from './prediction.js';
import { ReviewStore, type HumanLoopsTable, type ReviewFlowsTable } from './store.js';

export interface ReviewDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** Where taps are set on the invocation path (the endpoint runtime of this server). */
  taps: { setTap(endpoint: string, tap: InvocationTap | null): void };
  /** The enabled users who may review (their role grants `labeling:work`). */
  workforce: () => Promise<string[]>;
  /** Where exports write their versions (and find the last one's watermark). */
  datasets: Pick<DatasetService, 'create' | 'versions'>;
  log(message: string): void;
  /**
   * How often this process re-reads the flows that watch endpoints, so a flow created or
   * deleted through another server of a fleet reaches this one's taps. 0: never.
   * @default 5000
   */
  refreshMs?: number;
}

/** The flow's fields the invocation path needs, parsed once. */
interface LiveFlow {
  name: string;
  labels: string[];
  activation: Activation;
}

/** A2I's flow definition ARN, in Orchard's partition. */
export const flowArn = (name: string) => `arn:orchard:sagemaker:::flow-definition/${name}`;

/**
 * Human review (Amazon A2I): flow definitions, human loops started by an endpoint's
 * predictions that meet a flow's activation conditions (or by StartHumanLoop), leased to
 * reviewers like labeling tasks, and A2I's output JSON written when a loop has its answers.
 */
export class ReviewService {
  readonly store: ReviewStore;
  /** The flow each endpoint tapped by this process has, as attached (name and conditions). */
  private readonly attached = new Map<string, string>();
  private refresher: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private readonly exporter: ReviewExporter;

  constructor(private readonly deps: ReviewDeps) {
    this.store = new ReviewStore(deps.metadata);
    this.exporter = new ReviewExporter({ store: this.store, artifacts: deps.artifacts, datasets: deps.datasets, log: deps.log });
  }

  /** Loops whose status changed since a time, for the platform feed. */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  /**
   * Sets the taps of every flow that watches an endpoint, then keeps them in step with the
   * store: taps live in this process, and in a fleet a flow may be created or deleted
   * through another server.
   */
  async start(): Promise<void> {
    await this.refreshTaps();
    const every = this.deps.refreshMs ?? 5000;
    if (every > 0) {
      this.refresher = setInterval(() => void this.refreshTaps().catch((err) => this.deps.log(`human review: could not read the flows (${(err as Error).message})`)), every);
      this.refresher.unref();
    }
  }

  /** Stops the refresh (the taps stay until the endpoint runtime closes). */
  async close(): Promise<void> {
    if (this.refresher) clearInterval(this.refresher);
    this.refresher = null;
    await this.refreshing;
    await this.exporter.close();
  }

  /** Attaches the store's endpoint flows that this process lacks (or has with other conditions) and detaches deleted ones. */
  async refreshTaps(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      const rows = await this.store.endpointFlows();
      const wanted = new Map(rows.filter((r) => r.activation_json).map((r) => [r.endpoint!, r]));
      for (const endpoint of [...this.attached.keys()]) {
        if (!wanted.has(endpoint)) {
          this.deps.taps.setTap(endpoint, null);
          this.attached.delete(endpoint);
        }
      }
      for (const [endpoint, row] of wanted) if (this.attached.get(endpoint) !== tapKey(row)) this.attach(row);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async createFlow(input: CreateReviewFlowInput): Promise<ReviewFlow> {
    const problems: RequestProblem[] = [];
    const add = (field: string, message: string) => problems.push({ field, code: 'ORCH_REVIEW_INVALID', message: `${field}: ${message}` });
    if (new Set(input.labels).size !== input.labels.length) add('labels', 'lists a label twice');
    const a = input.activation;
    if (input.endpoint !== undefined && (a === undefined || (a.confidenceBelow === undefined && a.labels === undefined && a.samplePercent === undefined))) {
      add('activation', 'a flow on an endpoint needs a condition: confidenceBelow, labels or samplePercent');
    }
    if (a?.labels) for (const l of a.labels) if (!input.labels.includes(l)) add('activation.labels', `'${l}' is not one of the flow's labels`);
    if (input.workers) {
      const workforce = new Set(await this.deps.workforce());
      const outside = input.workers.filter((w) => !workforce.has(w));
      if (outside.length) add('workers', `${outside.join(', ')} cannot review (not an enabled user whose role takes labeling work)`);
    } else if ((await this.deps.workforce()).length < (input.reviewersPerLoop ?? 1)) {
      add('reviewersPerLoop', `${input.reviewersPerLoop ?? 1} reviewers per loop, but fewer users can review`);
    }
    if (input.workers && new Set(input.workers).size < (input.reviewersPerLoop ?? 1)) add('reviewersPerLoop', `${input.reviewersPerLoop} reviewers per loop, but the workforce lists ${new Set(input.workers).size}`);
    if (problems.length) throw errorOfProblems(problems);
    // The automatic export's dataset name is checked now, not at the first export.
    if (input.autoExport) await this.exporter.watermark(input.name, input.autoExport.dataset);
    const row: ReviewFlowsTable = {
      name: input.name,
      endpoint: input.endpoint ?? null,
      labels_json: JSON.stringify(input.labels),
      instructions: input.instructions ?? null,
      workers_json: input.workers ? JSON.stringify([...new Set(input.workers)]) : null,
      reviewers_per_loop: input.reviewersPerLoop ?? 1,
      lease_seconds: input.leaseSeconds ?? REVIEW_LIMITS.defaultLeaseSeconds,
      activation_json: a ? JSON.stringify(a) : null,
      export_dataset: input.autoExport?.dataset ?? null,
      export_every: input.autoExport?.everyLoops ?? null,
      export_lease_until: null,
      created_by: input.createdBy ?? null,
      created_at: new Date().toISOString(),
    };
    await this.store.insertFlow(row);
    this.attach(row);
    return this.toFlow(row);
  }

  async describeFlow(name: string): Promise<ReviewFlow> {
    return this.toFlow(await this.store.flow(name));
  }

  async listFlows(filter: ReviewFlowFilter = {}): Promise<Page<ReviewFlow>> {
    const { rows, total } = await this.store.flows(filter, filter.limit ?? 50, filter.offset ?? 0);
    return { items: await Promise.all(rows.map((r) => this.toFlow(r))), total };
  }

  /** Deletes a flow: its endpoint is no longer reviewed, its waiting loops are stopped; completed loops and outputs stay. */
  async deleteFlow(name: string): Promise<void> {
    const row = await this.store.flow(name);
    if (row.endpoint && this.attached.get(row.endpoint)?.startsWith(`${row.name}\n`)) {
      this.deps.taps.setTap(row.endpoint, null);
      this.attached.delete(row.endpoint);
    }
    await this.store.stopFlowLoops(name, new Date().toISOString());
    await this.store.deleteFlow(name);
  }

  /** StartHumanLoop: any JSON object for the flow's reviewers. */
  async startLoop(input: StartHumanLoopInput): Promise<HumanLoop> {
    const flow = await this.store.flow(input.flow);
    const body = JSON.stringify(input.inputContent);
    if (Buffer.byteLength(body) > REVIEW_LIMITS.maxPayloadBytes) {
      throw new OrchardError('ORCH_REVIEW_INVALID', { message: `inputContent: ${Buffer.byteLength(body)} bytes; at most ${REVIEW_LIMITS.maxPayloadBytes}`, details: { field: 'inputContent' } });
    }
    const now = new Date().toISOString();
    await this.store.insertLoop({
      ...loopRow(input.name, flow, 'api', now, body),
      created_by: input.createdBy ?? null,
    });
    return this.describeLoop(input.name);
  }

  async describeLoop(name: string): Promise<HumanLoop> {
    return this.toLoop(await this.store.loop(name));
  }

  async listLoops(filter: HumanLoopFilter = {}): Promise<Page<HumanLoop>> {
    const { rows, total } = await this.store.loops(filter, filter.limit ?? 50, filter.offset ?? 0);
    return { items: await Promise.all(rows.map((r) => this.toLoop(r))), total };
  }

  /** StopHumanLoop: a loop waiting for reviewers ends Stopped (answers given so far stay on the record, no output). */
  async stopLoop(name: string): Promise<HumanLoop> {
    const now = new Date().toISOString();
    await this.store.transition(name, ['InProgress'], { status: 'Stopped', ended_at: now });
    return this.describeLoop(name);
  }

  /** Leases the oldest loop the worker may review (of one flow, or of any flow whose workforce includes them); null when none. */
  async next(worker: string, flowName?: string): Promise<ReviewTask | null> {
    let flows: ReviewFlowsTable[];
    if (flowName !== undefined) {
      const flow = await this.store.flow(flowName);
      if (!inWorkforce(flow, worker)) throw new OrchardError('ORCH_REVIEW_NOT_IN_WORKFORCE', { message: `${worker} is not in the workforce of flow definition '${flowName}'`, details: { flow: flowName, worker } });
      flows = [flow];
    } else flows = (await this.store.flows({}, 10_000, 0)).rows.filter((f) => inWorkforce(f, worker));
    const byName = new Map(flows.map((f) => [f.name, f]));
    for (let round = 0; round < 5; round++) {
      const now = new Date();
      const candidates = await this.store.candidates([...byName.keys()], worker, now.toISOString(), 10);
      if (candidates.length === 0) return null;
      for (const loop of candidates) {
        const flow = byName.get(loop.flow)!;
        const expires = new Date(now.getTime() + flow.lease_seconds * 1000).toISOString();
        if (await this.store.lease({ loop: loop.name, worker, leased_at: now.toISOString(), lease_expires_at: expires, answer_json: null, answered_at: null })) {
          return {
            loop: loop.name,
            flow: flow.name,
            labels: JSON.parse(flow.labels_json) as string[],
            instructions: flow.instructions,
            records: loop.records,
            confidence: loop.confidence,
            predictedLabel: loop.predicted_label,
            inputContent: JSON.parse(loop.input_json) as Record<string, unknown>,
            leaseExpiresAt: expires,
          };
        }
      }
    }
    return null;
  }

  /**
   * Records the worker's answer on their live lease; the loop's last answer writes A2I's
   * output and completes it. A resubmission is acknowledged once (and finishes a loop
   * whose output write failed before).
   */
  async submit(name: string, worker: string, raw: Record<string, unknown>): Promise<ReviewAnswerReceipt> {
    const loop = await this.store.loop(name);
    const lease = await this.store.answerRow(name, worker);
    if (!lease) throw new OrchardError('ORCH_REVIEW_LEASE', { message: `${worker} holds no lease on human loop '${name}'`, details: { loop: name, worker } });
    if (lease.answered_at) {
      const status = await this.finishIfAnswered(loop);
      return { loop: name, worker, duplicate: true, status, answeredAt: lease.answered_at };
    }
    if (loop.status !== 'InProgress') throw notInProgress(loop);
    const now = new Date().toISOString();
    if (lease.lease_expires_at <= now) {
      throw new OrchardError('ORCH_REVIEW_LEASE', { message: `${worker}'s lease on human loop '${name}' ran out at ${lease.lease_expires_at}; the loop went back to the pool`, details: { loop: name, worker, expiredAt: lease.lease_expires_at } });
    }
    let labels: string[] = [];
    try {
      labels = JSON.parse((await this.store.flow(loop.flow)).labels_json) as string[];
    } catch (err) {
      if (!(err instanceof OrchardError)) throw err;
      throw notInProgress(loop);
    }
    const problems = checkReviewAnswer(raw, labels, loop.records);
    if (problems.length) throw errorOfProblems(problems);
    if (!(await this.store.answer(name, worker, JSON.stringify(raw), now))) {
      const again = await this.store.answerRow(name, worker);
      if (again?.answered_at) return { loop: name, worker, duplicate: true, status: loop.status as HumanLoopStatus, answeredAt: again.answered_at };
      throw new OrchardError('ORCH_REVIEW_LEASE', { message: `${worker}'s lease on human loop '${name}' ran out`, details: { loop: name, worker } });
    }
    const status = await this.finishIfAnswered(loop);
    return { loop: name, worker, duplicate: false, status, answeredAt: now };
  }

  /** With all its answers, an in-progress loop's output is written (idempotently: same key) and the loop completes. */
  private async finishIfAnswered(loop: HumanLoopsTable): Promise<HumanLoopStatus> {
    const current = await this.store.loop(loop.name);
    if (current.status !== 'InProgress') return current.status as HumanLoopStatus;
    const answers = humanAnswers(await this.store.answers(loop.name));
    if (answers.length < current.reviewers_per_loop) return 'InProgress';
    const key = outputKey(current);
    const output = {
      flowDefinitionArn: flowArn(current.flow),
      humanLoopName: current.name,
      inputContent: JSON.parse(current.input_json) as unknown,
      humanAnswers: answers.map((a) => ({ ...a, workerMetadata: { identityData: { sub: a.workerId } } })),
    };
    await this.deps.artifacts.put(key, JSON.stringify(output, null, 2) + '\n');
    const ended = new Date().toISOString();
    await this.store.transition(current.name, ['InProgress'], { status: 'Completed', output: key, ended_at: ended });
    const status = (await this.store.loop(current.name)).status as HumanLoopStatus;
    if (status === 'Completed') this.exporter.afterCompletion(current.flow);
    return status;
  }

  /** The tap of a flow on its endpoint: reads the answer, and starts a loop when a condition holds (never blocking the call). */
  private attach(row: ReviewFlowsTable): void {
    if (!row.endpoint || !row.activation_json) return;
    const live: LiveFlow = { name: row.name, labels: JSON.parse(row.labels_json) as string[], activation: JSON.parse(row.activation_json) as Activation };
    // The answer is judged after the caller has it: setImmediate runs once the response is written.
    this.deps.taps.setTap(row.endpoint, (inv) => setImmediate(() => this.judge(live, inv)));
    this.attached.set(row.endpoint, tapKey(row));
  }

  /**
   * Writes the flow's completed loops as the next version of a dataset (those completed
   * since the last export to it unless `all`); see {@link ReviewExporter.export}.
   */
  async exportLoops(flowName: string, input: ExportReviewsInput): Promise<ReviewExport> {
    return this.exporter.export(flowName, input);
  }


  /** Reads the answer and starts a loop when a condition holds; never throws. */
  private judge(live: LiveFlow, inv: TappedInvocation): void {
    try {
      const decision = decide(live.activation, live.labels, readPredictions(inv.contentType, inv.body), Math.random());
      if (decision === null) return;
      if (inv.request.body.length + inv.body.length > REVIEW_LIMITS.maxPayloadBytes) {
        this.deps.log(`human review ${live.name}: an answer of endpoint ${inv.endpoint} met the flow's condition but is too large to review (${inv.request.body.length + inv.body.length} bytes)`);
        return;
      }
      void this.startFromEndpoint(live, inv, decision).catch((err) => this.deps.log(`human review ${live.name}: could not start a loop (${(err as Error).message})`));
    } catch (err) {
      this.deps.log(`human review ${live.name}: ${(err as Error).message}`);
    }
  }

  private async startFromEndpoint(flow: LiveFlow, inv: TappedInvocation, d: Decision): Promise<void> {
    const row = await this.store.flow(flow.name);
    const now = new Date().toISOString();
    const input = {
      endpoint: inv.endpoint,
      variant: inv.variant,
      ...(inv.request.inferenceId !== undefined ? { inferenceId: inv.request.inferenceId } : {}),
      request: payload(inv.request.body, inv.request.contentType ?? ''),
      response: payload(inv.body, inv.contentType),
      activation: { condition: d.source, confidence: d.confidence, predictedLabel: d.predictedLabel },
    };
    await this.store.insertLoop({
      ...loopRow(loopName(inv.endpoint), row, d.source, now, JSON.stringify(input)),
      endpoint: inv.endpoint,
      variant: inv.variant,
      inference_id: inv.request.inferenceId ?? null,
      confidence: d.confidence,
      predicted_label: d.predictedLabel,
      records: d.records,
    });
  }

  private async toFlow(row: ReviewFlowsTable): Promise<ReviewFlow> {
    const counts = await this.store.loopCounts(row.name);
    return {
      name: row.name,
      arn: flowArn(row.name),
      endpoint: row.endpoint,
      labels: JSON.parse(row.labels_json) as string[],
      instructions: row.instructions,
      workers: row.workers_json ? (JSON.parse(row.workers_json) as string[]) : null,
      reviewersPerLoop: row.reviewers_per_loop,
      leaseSeconds: row.lease_seconds,
      activation: row.activation_json ? (JSON.parse(row.activation_json) as Activation) : null,
      outputPrefix: outputPrefixOf(row.name),
      autoExport: row.export_dataset !== null && row.export_every !== null ? { dataset: row.export_dataset, everyLoops: row.export_every } : null,
      counts: { inProgress: counts.InProgress ?? 0, completed: counts.Completed ?? 0, stopped: counts.Stopped ?? 0 },
      createdBy: row.created_by,
      createdAt: row.created_at,
    };
  }

  private async toLoop(row: HumanLoopsTable): Promise<HumanLoop> {
    return {
      name: row.name,
      flow: row.flow,
      status: row.status as HumanLoopStatus,
      source: row.source as HumanLoopSource,
      endpoint: row.endpoint,
      variant: row.variant,
      inferenceId: row.inference_id,
      confidence: row.confidence === null ? null : Number(row.confidence),
      predictedLabel: row.predicted_label,
      inputContent: JSON.parse(row.input_json) as Record<string, unknown>,
      humanAnswers: humanAnswers(await this.store.answers(row.name)),
      reviewersPerLoop: row.reviewers_per_loop,
      output: row.output,
      failureReason: row.failure_reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      endedAt: row.ended_at,
    };
  }
}

/** What a tap is attached for: the flow's name and what it judges by. */
function tapKey(row: ReviewFlowsTable): string {
  return `${row.name}\n${row.labels_json}\n${row.activation_json}`;
}

function inWorkforce(flow: ReviewFlowsTable, worker: string): boolean {
  return flow.workers_json === null || (JSON.parse(flow.workers_json) as string[]).includes(worker);
}

function notInProgress(loop: HumanLoopsTable): OrchardError {
  return new OrchardError('ORCH_REVIEW_NOT_IN_PROGRESS', { message: `Human loop '${loop.name}' is ${loop.status}: it no longer takes answers`, details: { loop: loop.name, status: loop.status } });
}
