import type { ReactNode } from 'react';
import type { ForecastMetrics } from '../api/client';
import { formatNumber } from './format';

/** Statuses a forecast resource is still being created in (the page follows it). */
export const FORECAST_ACTIVE = new Set(['CreatePending', 'CreateInProgress', 'CreateStopping']);

const TONE: Record<string, string> = {
  Active: 'ok',
  CreatePending: 'run',
  CreateInProgress: 'run',
  CreateStopping: 'warn',
  CreateStopped: 'muted',
  CreateFailed: 'bad',
};

/** Forecast's statuses (`Active`, `CreateInProgress`, …) in the studio's badge colours. */
export function ForecastStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${TONE[status] ?? 'muted'}`} data-status={status}>
      {status}
    </span>
  );
}

/** `0.1` → `0.1`, as the metrics' wQL keys are written. */
export const quantileLabel = (q: number): string => String(Number(q.toPrecision(6)));

/** The metric columns of a predictor: wQL at each quantile, then the averages Forecast reports. */
export function metricColumns(quantiles: readonly number[]): { key: string; label: string; read: (m: ForecastMetrics) => number | null | undefined }[] {
  return [
    ...quantiles.map((q) => ({ key: `wQL[${quantileLabel(q)}]`, label: `wQL[${quantileLabel(q)}]`, read: (m: ForecastMetrics) => m.wQL[quantileLabel(q)] })),
    { key: 'averageWQL', label: 'Average wQL', read: (m) => m.averageWQL },
    { key: 'WAPE', label: 'WAPE', read: (m) => m.WAPE },
    { key: 'RMSE', label: 'RMSE', read: (m) => m.RMSE },
    { key: 'MAPE', label: 'MAPE', read: (m) => m.MAPE },
    { key: 'MASE', label: 'MASE', read: (m) => m.MASE },
  ];
}

/** A table of metrics rows (average, per window, per algorithm) with one column per metric. */
export function MetricsTable({ caption, quantiles, rows }: { caption: string; quantiles: readonly number[]; rows: { label: ReactNode; key: string; metrics: ForecastMetrics }[] }) {
  const columns = metricColumns(quantiles);
  return (
    <div className="table-wrap">
      <table aria-label={caption}>
        <thead>
          <tr>
            <th scope="col">{caption}</th>
            {columns.map((c) => (
              <th scope="col" key={c.key} className="num">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-row={r.key}>
              <th scope="row">{r.label}</th>
              {columns.map((c) => (
                <td key={c.key} className="num" data-metric={c.key}>
                  {formatNumber(c.read(r.metrics) ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Parses CSV text as RFC 4180 writes it (quoted fields, doubled quotes, CRLF or LF):
 * the per-item metrics the server exports. Returns the rows as arrays of cells.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** One item's choice: the algorithm, or an ensemble's algorithms with their weights (`ets:0.600 + theta:0.400`). */
export interface ItemChoice {
  item: string;
  choice: { algorithm: string; weight: number }[];
  /** Metric name → value (null when the CSV cell is empty). */
  metrics: Record<string, number | null>;
}

/** The per-item metrics CSV as items with their parsed choice; the header names the metric columns. */
export function parseItemMetrics(csv: string): { columns: string[]; items: ItemChoice[] } {
  const [header = [], ...rows] = parseCsv(csv);
  const columns = header.slice(2);
  const items = rows
    .filter((r) => r.length >= 2)
    .map((r) => {
      const parts = r[1].split(' + ').filter(Boolean);
      const choice = parts.map((p) => {
        const at = p.lastIndexOf(':');
        return at > 0 && parts.length > 1 ? { algorithm: p.slice(0, at), weight: Number(p.slice(at + 1)) } : { algorithm: p, weight: 1 };
      });
      const metrics: Record<string, number | null> = {};
      columns.forEach((c, j) => (metrics[c] = r[j + 2] === '' || r[j + 2] === undefined ? null : Number(r[j + 2])));
      return { item: r[0].startsWith("'") && /^'[=+\-@\t\r]/.test(r[0]) ? r[0].slice(1) : r[0], choice, metrics };
    });
  return { columns, items };
}

/** How many items chose each algorithm; an item with several weights counts as `ensemble`. */
export function choiceCounts(items: readonly ItemChoice[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of items) {
    const key = i.choice.length > 1 ? 'ensemble' : (i.choice[0]?.algorithm ?? '–');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
