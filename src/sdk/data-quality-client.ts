import type { CreateDataQualityReportRequest, DataQualityContent, DataQualityReport, DataQualityReportFilter } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient } from './resource-client.js';

export type { CreateDataQualityReportRequest };

/**
 * Data-quality reports (Data Wrangler's "Data Quality and Insights") over dataset versions.
 * @example
 * const created = await orchard.dataQuality.create({ dataset: 'churn', target: 'churned' });
 * const report = await orchard.dataQuality.waitFor(created.id);
 * for (const w of report.report?.warnings ?? []) console.log(w.severity, w.kind, w.column, w.message);
 */
export class DataQualityClient extends JobClient<DataQualityReport, CreateDataQualityReportRequest, DataQualityReportFilter> {
  constructor(http: HttpClient) {
    super(http, 'data-quality-reports', 'data-quality-report');
  }

  /** The newest report of a dataset version (`name` = its latest version, or `name@3`), whatever its status. */
  async latest(dataset: string): Promise<DataQualityReport> {
    return this.http.request('GET', `/api/v1/datasets/${encodeURIComponent(dataset)}/quality`);
  }

  /** The completed report's content, as `report.json` holds it. */
  async content(id: string): Promise<DataQualityContent> {
    return this.http.request('GET', `${this.pathOf(id)}/report.json`);
  }
}
