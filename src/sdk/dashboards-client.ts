import type { Readable } from 'node:stream';
import type { ChartData, ChartPreviewRequest, Dashboard, DashboardFilterQuery, DashboardRequest, FilterSelection } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { ResourceClient } from './resource-client.js';

/**
 * Dashboards: saved charts over SQL on datasets, with filters. `create`, `list` and
 * `describe` come from the resource client; a definition is JSON (see docs/dashboards.md).
 * @example
 * await orchard.dashboards.create({ name: 'sales', charts: [{ id: 'by-region', title: 'By region', type: 'bar',
 *   sql: 'SELECT region, sum(amount) AS total FROM sales GROUP BY 1', encoding: { x: 'region', y: 'total' } }] });
 * const { rows } = await orchard.dashboards.data('sales', 'by-region', { region: ['eu'] });
 */
export class DashboardsClient extends ResourceClient<Dashboard, DashboardRequest, DashboardFilterQuery> {
  constructor(http: HttpClient) {
    super(http, 'dashboards');
  }

  /** Replaces the whole definition (the name stays). */
  async update(name: string, definition: Omit<DashboardRequest, 'name'> & { name?: string }): Promise<Dashboard> {
    return this.http.request('PUT', this.pathOf(name), { body: definition });
  }

  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  /** One chart's rows under the filters; `selection` overrides a filter's default per column. */
  async data(name: string, chart: string, selection?: FilterSelection): Promise<ChartData> {
    return this.http.request('GET', this.chartPath(name, chart), { query: { filters: selection ? JSON.stringify(selection) : undefined } });
  }

  /** Every row of a chart as CSV (RFC 4180, formula-safe cells), streamed. */
  async csv(name: string, chart: string, selection?: FilterSelection): Promise<Readable> {
    return this.http.stream(this.chartPath(name, chart), { format: 'csv', filters: selection ? JSON.stringify(selection) : undefined });
  }

  /** An unsaved chart's rows, checked as a save would check it. */
  async preview(request: ChartPreviewRequest): Promise<ChartData> {
    return this.http.request('POST', `${this.base}/chart-preview`, { body: request });
  }

  private chartPath(name: string, chart: string): string {
    return `${this.pathOf(name)}/charts/${encodeURIComponent(chart)}/data`;
  }
}
