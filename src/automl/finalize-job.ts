import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { isOrchardError, newId } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { interruptedByPlatform, type ClaimedJob, type JobHandler, type JobQueue } from '../jobs/index.js';
import type { RecipeService } from '../recipes/index.js';
import type { ModelService } from '../registry/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import type { TrainingService } from '../training/index.js';
import { maximized, reportKey, storedMetrics, toJob } from './automl-service.js';
import { AutomlStore, type AutomlCandidatesTable } from './automl-store.js';
import { familyCount, FINALIZE_TOP } from './candidates.js';
import { candidateJobs } from './automl-training.js';
import { finalizePlan, measuredForFinalize } from './budget.js';
import { targetMappingQuery } from './analysis/index.js';
import type { FinalizeAnswer, FinalizeCandidates } from './finalize-port.js';
import { candidateReport } from './reports/index.js';
import { FINALIZE_KIND, type AutomlAnalysis, type AutomlBestCandidate, type AutomlSpec, type AutomlState } from './types.js';

/** Where a job's ensemble model (model.tar.gz) is kept. */
export const ensembleKey = (job: string) => `automl/${job}/ensemble/model.tar.gz`;

export { FINALIZE_TOP };

export interface FinalizeJobDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: ArtifactStore;
  training: Pick<TrainingService, 'describe'>;
  recipes: Pick<RecipeService, 'fitted'>;
  datasets: Pick<DatasetService, 'localParquet'>;
  models: Pick<ModelService, 'create' | 'describe'>;
  /** Scoring, the ensemble and importance (`./finalize`'s `finalizeCandidates`). */
  finalize: FinalizeCandidates;
  workDir: string;
}

type Payload = { name: string };
type Outcome =
  | { kind: 'done'; name: string; answer: FinalizeAnswer; scored: string[]; best: AutomlBestCandidate; degraded: string[]; completed?: boolean }
  | { kind: 'settled' };


/**
 * The finalize job of an AutoML job, on the one worker loop: downloads the best
 * candidates' models and fitted recipes and the validation rows, scores every candidate
 * alike (and builds the ensemble in mode `ensembling`) through `finalizeCandidates`,
 * registers the best as `<job>-best` (a training job's model with its recipe, or the
 * packed ensemble), writes the reports, then ends the job. A retry finds the model it
 * registered (tagged with the job) and takes it as it is.
 */
export async function automlFinalizeJobHandler(deps: FinalizeJobDeps): Promise<JobHandler<Payload, Outcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new AutomlStore(deps.metadata);
  return {
    kinds: [FINALIZE_KIND],
    cpus: () => 2,
    async run(job, ctx) {
      const row = await store.find(job.payload.name);
      if (!row || (row.status !== 'InProgress' && row.status !== 'Stopping')) {
        await deps.queue.fail(job, { message: 'the AutoML job is not running', retryable: false });
        return { kind: 'settled' };
      }
      const scratch = path.join(deps.workDir, `automl-${row.name}-${newId('at').slice(3)}`);
      await fs.mkdir(scratch, { recursive: true });
      try {
        return await finalize(deps, store, row.name, scratch, ctx.signal);
      } catch (err) {
        if (interruptedByPlatform(ctx.signal)) return { kind: 'settled' };
        const reason = isOrchardError(err) ? `${err.code}: ${err.message}` : ((err as Error)?.message ?? String(err));
        const outcome = await deps.queue.fail(job, { message: reason, retryable: !isOrchardError(err) || err.status >= 500 });
        if (!outcome.willRetry) await store.update(row.name, { status: 'Failed', secondary: 'Failed', failureReason: `Finalizing failed: ${reason}` });
        return { kind: 'settled' };
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    },
    async record(job, outcome) {
      if (outcome.kind === 'settled') return;
      const row = await store.row(outcome.name);
      const { answer } = outcome;
      const spec = JSON.parse(row.spec_json) as AutomlSpec;
      const candidates = await store.candidates(row.name);
      const ranked = rank(answer, spec, row.name);
      for (const c of candidates) {
        if (c.algorithm === 'ensemble') continue;
        const score = answer.scores[c.name];
        await store.updateCandidate(row.name, c.name, {
          objective: score?.objective ?? null,
          ...(score ? { metrics_json: storedMetrics(score.metrics, score.folds) } : {}),
          importance_json: answer.importance[c.name] ? JSON.stringify(answer.importance[c.name]) : null,
          rank: ranked.get(c.name) ?? null,
          ...(answer.failures?.[c.name] ? { failure_reason: `Not scored: ${answer.failures[c.name]}` } : {}),
        });
      }
      if (answer.ensemble) {
        const e = answer.ensemble;
        const name = `${row.name}-ensemble`;
        const values = { status: 'Completed' as const, objective: e.objective, metrics_json: storedMetrics(e.metrics, e.folds), importance_json: e.importance ? JSON.stringify(e.importance) : null, members_json: JSON.stringify(e.members), rank: ranked.get(name) ?? null, ended_at: new Date().toISOString() };
        const added = await store.addCandidate({ job: row.name, seq: candidates.length + 1000, name, variant: null, algorithm: 'ensemble', training_job: null, params_json: '{}', ...values });
        if (!added) await store.updateCandidate(row.name, name, values);
      }
      const status = Number(row.stop_requested) === 1 ? 'Stopped' : 'Completed';
      // What the finalize left out to keep the budget goes beside the phases' times.
      const state = JSON.parse(row.state_json) as AutomlState;
      state.budget = { ...state.budget, finalizeDegraded: outcome.degraded };
      await store.update(row.name, { state, status, secondary: status, best: outcome.best });
      if (!outcome.completed) {
        await deps.queue.complete(job as ClaimedJob);
        outcome.completed = true;
      }
    },
  };
}

async function finalize(deps: FinalizeJobDeps, store: AutomlStore, name: string, scratch: string, signal: AbortSignal): Promise<Outcome> {
  const row = await store.row(name);
  const spec = JSON.parse(row.spec_json) as AutomlSpec;
  const analysis = JSON.parse(row.analysis_json) as AutomlAnalysis;
  const state = JSON.parse(row.state_json) as AutomlState;
  const candidates = await store.candidates(name);
  // The budget runs to creation + maxRuntimeSeconds: the best of each family is scored
  // whatever the time, the others as their measured training times say they fit.
  const { order: ordered, measured } = measuredForFinalize(candidates, spec, analysis);
  const keep = familyCount(ordered);
  const plan = finalizePlan({ now: Date.now(), deadline: Date.parse(row.created_at) + spec.maxRuntimeSeconds * 1000, candidates: measured, keep, ensembling: spec.mode === 'ensembling' });
  const top = ordered.slice(0, plan.candidates);
  const degraded: string[] = [];
  if (top.length < ordered.length) degraded.push(`scored the best ${top.length} of ${ordered.length} candidates (by their training metric)`);
  // Each variant's validation rows, and each candidate's model and fitted recipe.
  const recipes: Record<string, string> = {};
  for (const [variant, v] of Object.entries(state.variants)) {
    if (!top.some((c) => c.variant === variant)) continue;
    recipes[variant] = (await deps.datasets.localParquet(v.splits!.validation)).path;
  }
  // Cross-validation: each fold's held-out rows per variant.
  const cv = analysis.validation.method === 'cv' ? state.folds : undefined;
  const folds: Array<Record<string, string>> | undefined = cv ? [] : undefined;
  if (cv && folds) {
    for (const [variant, v] of Object.entries(cv.variants)) {
      if (!top.some((c) => c.variant === variant)) continue;
      for (const [f, fold] of v.folds.entries()) (folds[f] ??= {})[variant] = (await deps.datasets.localParquet(fold.validation!)).path;
    }
  }
  /** A training job's model unpacked in `dir`, with the fitted recipe its features came from. */
  const download = async (dir: string, trainingJob: string, fitRef: string) => {
    await fs.mkdir(dir, { recursive: true });
    const job = await deps.training.describe(trainingJob);
    const archive = path.join(dir, 'model.tar.gz');
    await pipeline(await deps.artifacts.get(`jobs/${job.name}/output/model.tar.gz`), createWriteStream(archive));
    const modelDir = path.join(dir, 'model');
    await fs.mkdir(modelDir);
    await tar.x({ file: archive, cwd: modelDir, strict: true });
    const recipeFile = path.join(dir, 'recipe.json');
    await fs.writeFile(recipeFile, (await deps.recipes.fitted(fitRef)).body);
    return { modelDir, recipeFile };
  };
  const inputs = [];
  for (const c of top) {
    signal.throwIfAborted();
    const dir = path.join(scratch, 'candidates', c.name);
    const own = await download(dir, c.training_job!, state.variants[c.variant!].fitRef!);
    const foldModels = [];
    if (cv) {
      const jobs = candidateJobs(c.training_job!, analysis).slice(1);
      for (const [f, job] of jobs.entries()) foldModels.push(await download(path.join(dir, `fold${f + 1}`), job, cv.variants[c.variant!].folds[f].fitRef!));
    }
    inputs.push({ name: c.name, algorithm: c.algorithm, recipeVariant: c.variant!, ...own, ...(cv ? { folds: foldModels } : {}) });
  }
  const outDir = path.join(scratch, 'out');
  await fs.mkdir(outDir, { recursive: true });
  const stopped = Number(row.stop_requested) === 1;
  const answer = await deps.finalize({
    problemType: analysis.problemType,
    objective: spec.objective,
    // The validation rows hold class ids when the labels were mapped: the ids are the classes then.
    ...(analysis.classes ? { classes: analysis.targetMapping ? analysis.classes.map((_, i) => String(i)) : analysis.classes } : {}),
    mode: stopped ? 'hpo' : spec.mode,
    recipes,
    ...(folds ? { folds } : {}),
    candidates: inputs,
    outDir,
    signal,
    seed: spec.seed,
    deadline: plan.threadDeadline,
    keep,
  });
  degraded.push(...(answer.degraded ?? []));
  signal.throwIfAborted();
  const scored = Object.keys(answer.scores);
  if (scored.length === 0) throw new Error(`No candidate could be scored: ${Object.entries(answer.failures ?? {}).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  // The best of the scored candidates and the ensemble, registered as `<job>-best`.
  const sign = maximized(spec.objective) ? 1 : -1;
  let bestName = scored[0];
  for (const n of scored) if (sign * (answer.scores[n].objective - answer.scores[bestName].objective) > 0) bestName = n;
  const ensembleWins = answer.ensemble !== undefined && sign * (answer.ensemble.objective - answer.scores[bestName].objective) > 0;
  const modelName = `${name}-best`;
  const tags = { automlJob: name };
  let model: string;
  const existing = await deps.models.describe(modelName).catch(() => null);
  // The ensemble's folder is kept whether or not it wins (`models create --artifact-key` registers it).
  const key = ensembleKey(name);
  if (answer.ensemble && !(existing && existing.tags.automlJob === name)) {
    const archive = path.join(scratch, 'ensemble.tar.gz');
    const dir = answer.ensemble.modelDir;
    await tar.c({ gzip: true, file: archive, cwd: dir, portable: true }, await fs.readdir(dir));
    await deps.artifacts.put(key, await fs.readFile(archive));
  }
  if (existing && existing.tags.automlJob === name) model = existing.name;
  else if (ensembleWins) {
    model = (await deps.models.create({ name: modelName, artifactKey: key, algorithm: 'ensemble', description: `AutoML job ${name}: the ensemble of ${answer.ensemble!.members.length} candidates`, tags })).name;
  } else {
    const c = top.find((x) => x.name === bestName)!;
    model = (await deps.models.create({ name: modelName, fromJob: c.training_job!, recipe: state.variants[c.variant!].fitRef!, description: `AutoML job ${name}: candidate ${c.name} (${c.algorithm})`, tags })).name;
  }
  const best: AutomlBestCandidate = ensembleWins
    ? { name: `${name}-ensemble`, algorithm: 'ensemble', objective: { metric: spec.objective, value: answer.ensemble!.objective }, model }
    : { name: bestName, algorithm: top.find((x) => x.name === bestName)!.algorithm, objective: { metric: spec.objective, value: answer.scores[bestName].objective }, model };
  // The reports, from the job as it will read once recorded.
  const preview = toJob({ ...row, best_json: JSON.stringify(best), status: stopped ? 'Stopped' : 'Completed', secondary_status: stopped ? 'Stopped' : 'Completed' }, previewCandidates(candidates, answer, spec, name));
  const inputQuery = analysis.targetMapping ? targetMappingQuery(spec.dataset, analysis.columns.map((c) => c.name), analysis.targetMapping) : undefined;
  const report = candidateReport(preview, analysis.recipes, inputQuery ? { inputQuery } : {});
  await deps.artifacts.put(reportKey(name, 'candidates', 'json'), Buffer.from(JSON.stringify(report.json, null, 2)));
  await deps.artifacts.put(reportKey(name, 'candidates', 'md'), Buffer.from(report.markdown));
  return { kind: 'done', name, answer, scored, best, degraded };
}

/** Ranks 1, 2, … over the scored candidates and the ensemble by the AutoML objective. */
function rank(answer: FinalizeAnswer, spec: AutomlSpec, job: string): Map<string, number> {
  const sign = maximized(spec.objective) ? -1 : 1;
  const entries: Array<[string, number]> = Object.entries(answer.scores).map(([n, s]) => [n, s.objective]);
  if (answer.ensemble) entries.push([`${job}-ensemble`, answer.ensemble.objective]);
  entries.sort((a, b) => sign * (a[1] - b[1]));
  return new Map(entries.map(([n], i) => [n, i + 1]));
}

function previewCandidates(candidates: AutomlCandidatesTable[], answer: FinalizeAnswer, spec: AutomlSpec, job: string): AutomlCandidatesTable[] {
  const ranked = rank(answer, spec, job);
  const rows = candidates.map((c) => ({ ...c, objective: answer.scores[c.name]?.objective ?? c.objective, metrics_json: answer.scores[c.name] ? storedMetrics(answer.scores[c.name].metrics, answer.scores[c.name].folds) : c.metrics_json, rank: ranked.get(c.name) ?? null }));
  if (answer.ensemble) {
    const e = answer.ensemble;
    rows.push({ ...rows[0], seq: candidates.length + 1000, name: `${job}-ensemble`, variant: null, algorithm: 'ensemble', training_job: null, params_json: '{}', status: 'Completed', trained_objective: null, objective: e.objective, metrics_json: storedMetrics(e.metrics, e.folds), importance_json: null, members_json: JSON.stringify(e.members), rank: ranked.get(`${job}-ensemble`) ?? null, training_seconds: null, failure_reason: null });
  }
  return rows;
}

