/**
 * `forecast-import`, `forecast-predictor`, `forecast` and `forecast-export`, through the
 * Forecast facade only. Predictors and forecasts are named after the step; an import has
 * an id the service picks, which the step keeps beside its resource as soon as it has it
 * (and, for a crash in between, finds again as the import of the same data made since the
 * step started). Each is polled by status, so an import that runs as a queue job and one
 * that is done when created are followed alike.
 */
import type { ForecastImport, ForecastPredictor } from '../../forecast/index.js';
import { StepFailure, type StepContext, type StepResult, type StepRunner } from '../engine/step-runner.js';
import { readJson, stepKey, unlessMissing, type PipelinePorts } from './ports.js';

type Status = { status: string; failureReason: string | null };

/** Active: done; CreateFailed or CreateStopped: the step fails; anything else: still working. */
function finished(what: string, r: Status): boolean {
  if (r.status === 'Active') return true;
  if (r.status === 'CreateFailed' || r.status === 'CreateStopped') {
    throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `${what} ${r.status}${r.failureReason ? `: ${r.failureReason}` : ''}`);
  }
  return false;
}

// --- forecast-import ---

interface ImportInputs {
  group: string;
  target: string;
  related?: string;
  metadata?: string;
  map?: Record<string, string>;
  filling?: Record<string, string>;
}

const importKey = (ctx: StepContext) => stepKey(ctx.resource, 'forecast-import.json');

/** The import a previous entry of this attempt made: its kept id, or one of the same data made since the attempt started. */
async function madeImport(ctx: StepContext, ports: PipelinePorts, inputs: ImportInputs): Promise<string | null> {
  const kept = await readJson<{ import: string }>(ports.artifacts, importKey(ctx));
  if (kept) return kept.import;
  const row = await ports.pipelines.step(ctx.execution.id, ctx.step);
  // A Starting row was written (with this attempt's resource) just before the runner was first called.
  const since = row?.status === 'Starting' ? row.updated_at : row?.started_at;
  if (!since) return null;
  const ref = async (r: string | undefined) => (r ? (await ports.datasets.describe(r)).name : null);
  const [target, related, metadata] = await Promise.all([ref(inputs.target), ref(inputs.related), ref(inputs.metadata)]);
  const name = (used: { dataset: string } | null) => (used ? used.dataset.slice(0, used.dataset.lastIndexOf('@')) : null);
  const { items } = await ports.forecast.listImports({ group: inputs.group, limit: 100 });
  const same = (i: ForecastImport) => i.createdAt >= since && i.createdBy === ctx.createdBy && name(i.target) === target && name(i.related) === related && name(i.metadata) === metadata;
  return items.find(same)?.id ?? null;
}

export const forecastImportStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const inputs = ctx.inputs as unknown as ImportInputs;
    let id = await madeImport(ctx, ports, inputs);
    if (!id) {
      const { group, target, related, metadata, map, filling } = inputs;
      id = (await ports.forecast.createImport({ group, target, related, metadata, map, filling, createdBy: ctx.createdBy ?? undefined })).id;
    }
    await ports.artifacts.put(importKey(ctx), JSON.stringify({ import: id }));
    return forecastImportStep.poll!(ctx, ports);
  },
  async poll(ctx, ports) {
    const kept = await readJson<{ import: string }>(ports.artifacts, importKey(ctx));
    if (!kept) throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `the import this step made is not recorded (${importKey(ctx)})`);
    const imp = await ports.forecast.describeImport(kept.import);
    if (!finished(`import '${imp.id}' into group '${imp.group}'`, imp)) return { status: 'running' };
    return { status: 'done', outputs: { import: imp.id } };
  },
};

// --- forecast-predictor ---

/** The backtest metrics a condition compares, in Forecast's names: `wQL` is the average over the quantiles. */
function metricsOf(p: ForecastPredictor): Record<string, number | null> {
  const m = p.metrics;
  return { wQL: m?.averageWQL ?? null, WAPE: m?.WAPE ?? null, MAPE: m?.MAPE ?? null, RMSE: m?.RMSE ?? null, MASE: m?.MASE ?? null };
}

export const forecastPredictorStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const existing = await unlessMissing(ports.forecast.describePredictor(ctx.resource), 'ORCH_FORECAST_PREDICTOR_NOT_FOUND');
    if (!existing) {
      const inputs = ctx.inputs as { group: string; algorithm?: ForecastPredictor['algorithm']; horizon: number; quantiles?: number[]; backtestWindows?: number; candidates?: ForecastPredictor['algorithm'][] };
      await ports.forecast.createPredictor({
        name: ctx.resource,
        group: inputs.group,
        algorithm: inputs.algorithm ?? 'auto',
        horizon: inputs.horizon,
        ...(inputs.quantiles ? { quantiles: inputs.quantiles } : {}),
        ...(inputs.backtestWindows ? { backtestWindows: inputs.backtestWindows } : {}),
        ...(inputs.candidates ? { candidates: inputs.candidates } : {}),
        createdBy: ctx.createdBy ?? undefined,
      });
    }
    return forecastPredictorStep.poll!(ctx, ports);
  },
  async poll(ctx, ports): Promise<StepResult> {
    const p = await ports.forecast.describePredictor(ctx.resource);
    if (!finished(`predictor '${p.name}'`, p)) return { status: 'running' };
    return { status: 'done', outputs: { predictor: p.name, metrics: metricsOf(p) } };
  },
  async stop(ctx, ports) {
    await ports.forecast.stopPredictor(ctx.resource).catch(() => undefined);
  },
};

// --- forecast ---

export const forecastStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const existing = await unlessMissing(ports.forecast.describeForecast(ctx.resource), 'ORCH_FORECAST_NOT_FOUND');
    if (!existing) {
      const inputs = ctx.inputs as { predictor: string; quantiles?: number[] };
      if (inputs.quantiles) {
        // A forecast has its predictor's quantiles; the step's list says which it needs.
        const p = await ports.forecast.describePredictor(inputs.predictor);
        const missing = inputs.quantiles.filter((q) => !p.quantiles.includes(q));
        if (missing.length > 0) throw new StepFailure('ORCH_PIPELINE_INVALID', `predictor '${p.name}' has quantiles ${p.quantiles.join(', ')}, not ${missing.join(', ')}`, false);
      }
      await ports.forecast.createForecast({ name: ctx.resource, predictor: inputs.predictor, createdBy: ctx.createdBy ?? undefined });
    }
    return forecastStep.poll!(ctx, ports);
  },
  async poll(ctx, ports) {
    const f = await ports.forecast.describeForecast(ctx.resource);
    if (!finished(`forecast '${f.name}'`, f)) return { status: 'running' };
    return { status: 'done', outputs: { forecast: f.name, dataset: f.dataset ?? '' } };
  },
  async stop(ctx, ports) {
    await ports.forecast.stopForecast(ctx.resource).catch(() => undefined);
  },
};

// --- forecast-export ---

export const forecastExportStep: StepRunner<PipelinePorts> = {
  /** One call that writes the file: done when it answers (run again, it writes the same key again). */
  async start(ctx, ports) {
    const inputs = ctx.inputs as { forecast: string; format?: 'csv' | 'parquet' | 'jsonl'; to: string };
    const format = inputs.format ?? 'csv';
    if (format === 'jsonl') throw new StepFailure('ORCH_PIPELINE_INVALID', "forecast-export: a forecast is exported as 'csv' or 'parquet'", false);
    const key = `${inputs.to.replace(/\/+$/, '')}/${inputs.forecast}.${format}`;
    const written = await ports.forecast.export(inputs.forecast, format, key);
    return { status: 'done', outputs: { location: written.key } };
  },
};
