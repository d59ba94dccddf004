/**
 * Dashboards: saved charts over SQL on datasets, arranged on a grid, with filters; each
 * chart's rows come from the dataset query sandbox and are cached per dataset version.
 */
export { DashboardService, MAX_CHART_ROWS } from './dashboard-service.js';
export type { DashboardServiceDeps } from './dashboard-service.js';
export { csvCell, csvLine } from './csv.js';
export { parseSelection } from './filters.js';
