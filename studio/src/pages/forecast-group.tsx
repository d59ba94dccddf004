import { Link, useParams } from 'react-router';
import { forecastApi, type ForecastImport } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatNumber, formatTime } from '../components/format';
import { FORECAST_ACTIVE, ForecastStatusBadge } from '../components/forecast-ui';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader } from '../components/ui';
import { ForecastsTable, PredictorsTable } from './forecast-home';

/** `sales@3` linked to that dataset version. */
export function DatasetRef({ refText }: { refText: string }) {
  const [name, version] = refText.split('@');
  return <Link to={`/datasets/${encodeURIComponent(name)}${version ? `?version=${version}` : ''}`}>{refText}</Link>;
}

const day = (iso: string | undefined) => (iso ? iso.replace('T00:00:00.000Z', '').replace('.000Z', 'Z') : '–');

/** One dataset group: its imports (the dataset versions read and what they held), predictors and forecasts. */
export function ForecastGroupPage() {
  const { name = '' } = useParams();
  const all = useResource(
    async (signal) => {
      const [group, imports, predictors, forecasts] = await Promise.all([
        forecastApi.group(name, signal),
        forecastApi.imports({ group: name, limit: 1000 }, signal),
        forecastApi.predictors({ group: name, limit: 1000 }, signal),
        forecastApi.forecasts({ limit: 1000 }, signal),
      ]);
      return { group, imports: imports.items, predictors: predictors.items, forecasts: forecasts.items.filter((f) => f.group === name) };
    },
    [name],
  );
  const d = all.data;
  const running = Boolean(d && [...d.imports, ...d.predictors, ...d.forecasts].some((r) => FORECAST_ACTIVE.has(r.status)));
  useWatch(running ? { kind: 'feed', of: 'forecast-predictor' } : null, all.reload);
  useWatch(running ? { kind: 'feed', of: 'forecast' } : null, all.reload);
  const g = d?.group;
  return (
    <>
      <PageHeader crumbs={[{ to: '/forecast', label: 'Forecast' }]} title={name} subtitle={g ? `Dataset group · ${g.frequency} · ${g.domain}` : undefined} />
      <ErrorBanner error={all.error} onRetry={all.reload} />
      {!d || !g ? (
        !all.error && <Loading />
      ) : (
        <>
          <Card title="Group">
            <KeyValues
              items={[
                ['Frequency', g.frequency],
                ['Domain', g.domain],
                ['Seasons', g.seasons.length ? g.seasons.map((s) => formatNumber(s)).join(', ') + ' steps' : '–'],
                ['Latest import', g.latestImport ?? 'none yet'],
                ['Created', `${formatTime(g.createdAt)}${g.createdBy ? ` by ${g.createdBy}` : ''}`],
              ]}
            />
          </Card>
          <Card title="Imports">
            {d.imports.length === 0 ? (
              <Empty>No imports yet. Import a target dataset with orchard forecast import {name} --target DATASET.</Empty>
            ) : (
              <>
                <ImportsTable imports={d.imports} latest={g.latestImport} />
                {d.imports.filter((i) => i.failureReason).map((i) => (
                  <div key={i.id} className="banner error" role="alert" data-import={i.id}>
                    <strong>Import {i.id} failed:</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{i.failureReason}</span>
                  </div>
                ))}
                {d.imports.filter((i) => (i.summary?.negative.items ?? 0) > 0).map((i) => (
                  <p key={i.id} className="muted small">
                    Import {i.id}: {i.summary!.negative.items} item(s) have negative targets (
                    {i.summary!.negative.examples.map((e) => `${e.item} row ${e.row}: ${e.value}`).join('; ')}); a count likelihood refuses them.
                  </p>
                ))}
              </>
            )}
          </Card>
          <Card title="Predictors">{d.predictors.length === 0 ? <Empty>No predictors trained on this group yet.</Empty> : <PredictorsTable predictors={d.predictors} showGroup={false} />}</Card>
          <Card title="Forecasts">{d.forecasts.length === 0 ? <Empty>No forecasts from this group yet.</Empty> : <ForecastsTable forecasts={d.forecasts} />}</Card>
        </>
      )}
    </>
  );
}

function ImportsTable({ imports, latest }: { imports: ForecastImport[]; latest: string | null }) {
  return (
    <div className="table-wrap">
      <table aria-label="Imports">
        <thead>
          <tr>
            <th scope="col">Import</th>
            <th scope="col">Status</th>
            <th scope="col">Target</th>
            <th scope="col">Related</th>
            <th scope="col">Metadata</th>
            <th scope="col" className="num">Rows</th>
            <th scope="col" className="num">Items</th>
            <th scope="col" className="num">Points (filled)</th>
            <th scope="col">Span</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {imports.map((i) => (
            <tr key={i.id} data-import={i.id}>
              <td>
                <code>{i.id}</code>
                {i.id === latest && <span className="chip">latest</span>}
              </td>
              <td>
                <ForecastStatusBadge status={i.status} />
              </td>
              <td>
                <DatasetRef refText={i.target.dataset} />{' '}
                <span className="muted small">
                  ({i.map.item_id}, {i.map.timestamp}, {i.map.target_value}
                  {i.summary && i.summary.dimensions.length > 0 ? `; dimensions ${i.summary.dimensions.join(', ')}` : ''})
                </span>
              </td>
              <td>
                {i.related ? <DatasetRef refText={i.related.dataset} /> : '–'}
                {i.summary && i.summary.relatedColumns.length > 0 && <span className="muted small"> ({i.summary.relatedColumns.join(', ')})</span>}
                {i.summary?.relatedCover && <div className="muted small">covers {i.summary.relatedCover.min} step(s) ahead</div>}
              </td>
              <td>
                {i.metadata ? <DatasetRef refText={i.metadata.dataset} /> : '–'}
                {i.summary && i.summary.metadataColumns.length > 0 && <span className="muted small"> ({i.summary.metadataColumns.join(', ')})</span>}
              </td>
              <td className="num" data-field="rows">{formatNumber(i.summary?.rows ?? i.target.rows)}</td>
              <td className="num" data-field="items">{formatNumber(i.summary?.items ?? null)}</td>
              <td className="num">{i.summary ? `${formatNumber(i.summary.points)} (${formatNumber(i.summary.filled)})` : '–'}</td>
              <td className="small">{i.summary ? `${day(i.summary.start)} – ${day(i.summary.end)}` : '–'}</td>
              <td>{formatTime(i.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
