import type {
  CreateLabelingJobRequest,
  CreateLabelingTeamRequest,
  LabelingAnswerReceipt,
  LabelingJob,
  LabelingJobFilter,
  LabelingTask,
  LabelingTeam,
  LabelingTeamFilter,
  LabelToVerify,
  NextLabelingTask,
  UpdateLabelingTeamRequest,
} from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient, ResourceClient } from './resource-client.js';

export type { CreateLabelingJobRequest, CreateLabelingTeamRequest, LabelingAnswerReceipt, LabelingJob, LabelingJobFilter, LabelingTask, LabelingTeam, LabelingTeamFilter, LabelToVerify, UpdateLabelingTeamRequest };

/** Labeling teams (Ground Truth's private workteams): a job for a team is handed to its members only. */
export class LabelingTeamsClient extends ResourceClient<LabelingTeam, CreateLabelingTeamRequest, LabelingTeamFilter> {
  constructor(http: HttpClient) {
    super(http, 'labeling-teams');
  }

  /** Adds and removes members, or replaces the description. */
  async update(name: string, change: UpdateLabelingTeamRequest): Promise<LabelingTeam> {
    return this.http.request('PATCH', this.pathOf(name), { body: change });
  }

  /** Deletes a team no job that has not ended uses. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }
}

/** Labeling jobs (Ground Truth): create and follow jobs; as a labeler, take items and answer them; `teams`. */
export class LabelingClient extends JobClient<LabelingJob, CreateLabelingJobRequest, LabelingJobFilter> {
  readonly teams: LabelingTeamsClient;

  constructor(http: HttpClient) {
    super(http, 'labeling-jobs', 'labeling-job');
    this.teams = new LabelingTeamsClient(http);
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
