/**
 * The finalize step's contract as the finalize job uses it: scoring every candidate on the
 * same validation rows, the ensemble, importance (`./finalize`), and the report builders
 * (`./reports`). The platform wires the real functions; these shapes are what the job needs.
 */
import type { AutomlCandidate, AutomlJob, AutomlMode, AutomlObjectiveMetric, AutomlResolvedProblemType } from './types.js';

export interface FinalizeCandidateInput {
  name: string;
  algorithm: string;
  recipeVariant: string;
  modelDir: string;
  recipeFile: string;
}

export interface FinalizeCall {
  problemType: AutomlResolvedProblemType;
  objective: AutomlObjectiveMetric;
  classes?: readonly string[];
  mode: AutomlMode;
  recipes: Readonly<Record<string, string>>;
  candidates: readonly FinalizeCandidateInput[];
  outDir: string;
  signal?: AbortSignal;
  seed?: number;
}

export interface FinalizeAnswer {
  scores: Record<string, { objective: number; metrics: Record<string, number> }>;
  failures?: Record<string, string>;
  ensemble?: { members: Array<{ candidate: string; weight: number }>; objective: number; metrics: Record<string, number>; modelDir: string; importance?: Record<string, number> };
  importance: Record<string, Record<string, number>>;
}

export type FinalizeCandidates = (input: FinalizeCall) => Promise<FinalizeAnswer>;

/** One stored report file. */
export interface ReportFile {
  report: 'exploration' | 'candidates';
  format: 'json' | 'md';
  body: string;
}

/** Builds the reports of a job as it stands (the exploration one needs only the analysis). */
export type BuildReports = (job: AutomlJob, which: 'exploration' | 'all') => ReportFile[];

/** Reports until the report builders are wired: the analysis and the leaderboard as they are. */
export const plainReports: BuildReports = (job, which) => {
  const exploration = { name: job.name, dataset: job.dataset, target: job.target, problemType: job.problemType, classes: job.classes ?? null, validation: job.validation, columns: job.columns };
  const files: ReportFile[] = [
    { report: 'exploration', format: 'json', body: JSON.stringify(exploration, null, 2) },
    {
      report: 'exploration',
      format: 'md',
      body: [`# Data exploration: ${job.name}`, '', `Dataset ${job.dataset}, target \`${job.target}\`, ${job.problemType ?? 'unknown'} problem.`, '', '| column | type | dropped because | missing | distinct |', '|---|---|---|---|---|', ...job.columns.map((c) => `| ${c.name} | ${c.type} | ${c.dropReason ?? ''} | ${c.missing} | ${c.distinct ?? ''} |`), ''].join('\n'),
    },
  ];
  if (which === 'exploration') return files;
  const row = (c: AutomlCandidate) => `| ${c.rank ?? ''} | ${c.name} | ${c.algorithm} | ${c.recipe ?? ''} | ${c.status} | ${c.objective.value ?? ''} |`;
  files.push(
    { report: 'candidates', format: 'json', body: JSON.stringify({ name: job.name, objective: job.objective, bestCandidate: job.bestCandidate, leaderboard: job.leaderboard }, null, 2) },
    { report: 'candidates', format: 'md', body: [`# Candidates: ${job.name}`, '', `Objective: ${job.objective.metric}. Best: ${job.bestCandidate?.name ?? 'none'}.`, '', '| rank | candidate | algorithm | recipe | status | objective |', '|---|---|---|---|---|---|', ...job.leaderboard.map(row), ''].join('\n') },
  );
  return files;
};
