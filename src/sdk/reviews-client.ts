import type { CreateReviewFlowRequest, ExportReviewsRequest, HumanLoop, HumanLoopFilter, NextReviewTask, ReviewAnswerReceipt, ReviewExport, ReviewFlow, ReviewFlowFilter, ReviewTask, StartHumanLoopRequest } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { ResourceClient } from './resource-client.js';

export type { CreateReviewFlowRequest, ExportReviewsRequest, ReviewExport, HumanLoop, HumanLoopFilter, ReviewAnswerReceipt, ReviewFlow, ReviewFlowFilter, ReviewTask, StartHumanLoopRequest };

/** Flow definitions (A2I's CreateFlowDefinition and kin). */
export class ReviewFlowsClient extends ResourceClient<ReviewFlow, CreateReviewFlowRequest, ReviewFlowFilter> {
  constructor(http: HttpClient) {
    super(http, 'review-flows');
  }

  /** Deletes a flow: its endpoint is no longer reviewed and its waiting loops stop. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  /**
   * Writes the flow's completed loops as a new version of a dataset, for retraining: those
   * completed since the last export to it (unless `all`); `dataset: null` when none is left.
   */
  async export(name: string, input: ExportReviewsRequest): Promise<ReviewExport> {
    return this.http.request('POST', `${this.pathOf(name)}/export`, { body: input });
  }
}

/**
 * Human review (A2I): flow definitions (`flows`), human loops (start, list, describe,
 * stop), and for reviewers `next` and `answer`.
 */
export class ReviewsClient extends ResourceClient<HumanLoop, StartHumanLoopRequest, HumanLoopFilter> {
  readonly flows: ReviewFlowsClient;

  constructor(http: HttpClient) {
    super(http, 'human-loops');
    this.flows = new ReviewFlowsClient(http);
  }

  /** StopHumanLoop. */
  async stop(name: string): Promise<HumanLoop> {
    return this.http.request('POST', `${this.pathOf(name)}/stop`);
  }

  /** Leases the next loop the caller may review (of one flow, or any); null when none waits for them. */
  async next(flow?: string): Promise<ReviewTask | null> {
    const res: NextReviewTask = await this.http.request('POST', '/api/v1/review-tasks/next', { body: flow === undefined ? {} : { flow } });
    return res.task;
  }

  /** Answers a loop the caller holds a lease on: `{label}` or `{labels}` (one per record); a resubmission is acknowledged once. */
  async answer(loop: string, answer: Record<string, unknown>): Promise<ReviewAnswerReceipt> {
    return this.http.request('POST', `${this.pathOf(loop)}/answer`, { body: { answer } });
  }
}
