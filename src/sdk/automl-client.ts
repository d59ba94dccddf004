import type { AutomlCandidate, AutomlJob, AutomlJobFilter, AutomlReportFormat, AutomlReportName, CreateAutomlJobRequest } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient } from './resource-client.js';

export type { CreateAutomlJobRequest };

/** AutoML jobs (SageMaker Autopilot): a table and a target in, a leaderboard and a deployable best model out. */
export class AutomlClient extends JobClient<AutomlJob, CreateAutomlJobRequest, AutomlJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'automl-jobs', 'automl');
  }

  /** The candidates, best first (those not yet scored last). */
  async leaderboard(name: string): Promise<AutomlCandidate[]> {
    const page = await this.http.request<{ items: AutomlCandidate[] }>('GET', `${this.pathOf(name)}/leaderboard`);
    return page.items;
  }

  /** A report: `json` parsed, `md` as text. */
  async report(name: string, report: AutomlReportName, format: 'md'): Promise<string>;
  async report(name: string, report: AutomlReportName, format?: 'json'): Promise<unknown>;
  async report(name: string, report: AutomlReportName, format: AutomlReportFormat = 'json'): Promise<unknown> {
    const res = await this.http.open(`${this.pathOf(name)}/reports/${encodeURIComponent(report)}`, { query: { format } });
    const text = await res.text();
    return format === 'json' ? (JSON.parse(text) as unknown) : text;
  }
}
