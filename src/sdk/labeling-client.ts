import type { CreateLabelingJobRequest, LabelingAnswerReceipt, LabelingJob, LabelingJobFilter, LabelingTask, NextLabelingTask } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient } from './resource-client.js';

export type { CreateLabelingJobRequest, LabelingAnswerReceipt, LabelingJob, LabelingJobFilter, LabelingTask };

/** Labeling jobs (Ground Truth): create and follow jobs; as a labeler, take items and answer them. */
export class LabelingClient extends JobClient<LabelingJob, CreateLabelingJobRequest, LabelingJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'labeling-jobs');
  }

  /** Leases the next item the caller has not seen; null when none is left for them now. */
  async next(job: string): Promise<LabelingTask | null> {
    const res: NextLabelingTask = await this.http.request('POST', `${this.pathOf(job)}/tasks/next`);
    return res.task;
  }

  /** Answers an item the caller holds a lease on; sending the same answer again is acknowledged once. */
  async submit(job: string, item: string, answer: unknown): Promise<LabelingAnswerReceipt> {
    return this.http.request('POST', `${this.pathOf(job)}/tasks/${encodeURIComponent(item)}/answer`, { body: { answer } });
  }
}
