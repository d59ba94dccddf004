/**
 * Reads the AutoML reports' JSON into what the pages draw. The reports are documents for
 * people (their Markdown twin is downloaded as is), so the reader is lenient: a field it
 * does not find is shown as absent, never as a broken page.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);
/** The first of `keys` that `o` has (not null). */
function pick(o: Json, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}
/** `{a: 1}` or `[{name: 'a', value: 1}]` as `[['a', 1]]`. */
function pairs(v: unknown, nameKeys: string[], valueKeys: string[]): [string, number][] {
  if (isObject(v)) return Object.entries(v).flatMap(([k, x]) => (num(x) !== null ? [[k, num(x)!] as [string, number]] : []));
  return arr(v).flatMap((x) => {
    if (!isObject(x)) return [];
    const name = str(pick(x, ...nameKeys));
    const value = num(pick(x, ...valueKeys));
    return name !== null && value !== null ? [[name, value] as [string, number]] : [];
  });
}

export interface ExplorationColumn {
  name: string;
  type: string;
  sourceType: string | null;
  dropReason: string | null;
  missing: number;
  missingShare: number | null;
  distinct: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  topValues: { value: string; count: number }[];
  histogram: { lower: number; upper: number; count: number }[];
}

export interface ExplorationReport {
  summary: [string, string][];
  columns: ExplorationColumn[];
  target: { column: string | null; classes: { value: string; count: number }[]; histogram: { lower: number; upper: number; count: number }[] };
  /** Sorted by absolute value, largest first. */
  correlations: { label: string; value: number }[];
  warnings: { severity: string | null; column: string | null; message: string }[];
}

function readColumn(c: Json, rows: number | null): ExplorationColumn {
  const stats = isObject(c.stats) ? { ...c.stats, ...c } : c;
  const missing = num(pick(stats, 'missing', 'missingCount', 'nullCount')) ?? 0;
  const share = num(pick(stats, 'missingShare', 'missingFraction', 'missingRatio'));
  return {
    name: str(c.name) ?? '?',
    type: str(pick(c, 'type', 'kind')) ?? '?',
    sourceType: str(pick(c, 'sourceType', 'duckdbType')),
    dropReason: str(c.dropReason),
    missing,
    missingShare: share ?? (rows ? missing / rows : null),
    distinct: num(pick(stats, 'distinct', 'distinctCount', 'unique')),
    mean: num(pick(stats, 'mean', 'avg')),
    min: num(stats.min),
    max: num(stats.max),
    topValues: arr(pick(stats, 'topValues', 'top', 'mostFrequent')).flatMap((t) => (isObject(t) && str(t.value) !== null && num(t.count) !== null ? [{ value: str(t.value)!, count: num(t.count)! }] : [])),
    histogram: readBins(stats.histogram),
  };
}

function readBins(v: unknown): { lower: number; upper: number; count: number }[] {
  return arr(v).flatMap((b) => (isObject(b) && num(b.lower) !== null && num(b.upper) !== null && num(b.count) !== null ? [{ lower: num(b.lower)!, upper: num(b.upper)!, count: num(b.count)! }] : []));
}

function readTarget(t: unknown): ExplorationReport['target'] {
  if (!isObject(t)) return { column: null, classes: [], histogram: [] };
  const dist = isObject(t.distribution) ? { ...t, ...t.distribution } : t;
  const classes = arr(pick(dist, 'classes', 'counts', 'values')).flatMap((k) =>
    isObject(k) && str(pick(k, 'value', 'label', 'class')) !== null && num(k.count) !== null ? [{ value: str(pick(k, 'value', 'label', 'class'))!, count: num(k.count)! }] : [],
  );
  const histogram = readBins(pick(dist, 'histogram', 'bins'));
  return { column: str(pick(t, 'column', 'name')), classes, histogram };
}

function readWarning(w: unknown): ExplorationReport['warnings'][number] | null {
  if (typeof w === 'string') return { severity: null, column: null, message: w };
  if (!isObject(w)) return null;
  const message = str(pick(w, 'message', 'text', 'detail')) ?? str(w.kind);
  return message === null ? null : { severity: str(w.severity), column: str(w.column), message };
}

export function readExplorationReport(raw: unknown): ExplorationReport {
  const r = isObject(raw) ? raw : {};
  const summaryObj = isObject(r.summary) ? r.summary : isObject(r.dataset) ? r.dataset : {};
  const rows = num(pick(summaryObj, 'rows', 'rowCount')) ?? num(pick(r, 'rows', 'rowCount'));
  const summary: [string, string][] = Object.entries(summaryObj).flatMap(([k, v]) => (str(v) !== null ? [[k, typeof v === 'number' ? v.toLocaleString('en-US') : String(v)] as [string, string]] : []));
  const columns = arr(r.columns).filter(isObject).map((c) => readColumn(c, rows));
  // Correlations: `[{column, correlation}]`, `{column: value}`, or `{withTarget: …}`.
  const corr = isObject(r.correlations) && (r.correlations.withTarget !== undefined || r.correlations.target !== undefined) ? pick(r.correlations, 'withTarget', 'target') : r.correlations;
  const correlations = pairs(corr, ['column', 'name', 'feature'], ['correlation', 'value', 'pearson', 'score'])
    .map(([label, value]) => ({ label, value }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  const warnings = arr(r.warnings).map(readWarning).filter((w): w is NonNullable<typeof w> => w !== null);
  return { summary, columns, target: readTarget(r.target), correlations, warnings };
}

export interface CandidateEntry {
  name: string;
  rank: number | null;
  algorithm: string;
  recipe: string | null;
  steps: { op: string; detail: string | null }[];
  hyperParameters: [string, string][];
  metrics: [string, number][];
  objective: { metric: string; value: number | null } | null;
  /** Sorted largest first. */
  importance: { label: string; value: number }[];
  commands: { label?: string; command: string }[];
  members: { candidate: string; weight: number }[];
  /** A cross-validated candidate's objective per fold, with its fold jobs when it has them; null otherwise. */
  crossValidation: CandidateFolds | null;
}

export interface CandidateFolds {
  /** The population standard deviation of the fold scores. */
  std: number | null;
  rows: number | null;
  folds: { fold: number; score: number; trainingJob: string | null; command: { label?: string; command: string } | null }[];
}

/** `crossValidation: {scores, std, rows, jobs: [{fold, trainingJob, score, command}]}`, read leniently. */
function readFolds(v: unknown): CandidateFolds | null {
  if (!isObject(v)) return null;
  const jobs = new Map(
    arr(v.jobs).flatMap((j) => (isObject(j) && num(j.fold) !== null ? [[num(j.fold)!, { trainingJob: str(j.trainingJob), command: readCommands(j.command)[0] ?? null }] as const] : [])),
  );
  const folds = arr(v.scores).flatMap((s, i) => (num(s) !== null ? [{ fold: i + 1, score: num(s)!, trainingJob: jobs.get(i + 1)?.trainingJob ?? null, command: jobs.get(i + 1)?.command ?? null }] : []));
  return folds.length === 0 ? null : { std: num(v.std), rows: num(v.rows), folds };
}

function readStep(s: unknown): CandidateEntry['steps'][number] | null {
  if (typeof s === 'string') return { op: s, detail: null };
  if (!isObject(s)) return null;
  const op = str(pick(s, 'op', 'step', 'name', 'type', 'kind'));
  if (op === null) return null;
  const detail = str(pick(s, 'description', 'detail')) ?? (() => {
    const rest = Object.entries(s).filter(([k]) => !['op', 'step', 'name', 'type', 'kind'].includes(k));
    return rest.length ? rest.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : null;
  })();
  return { op, detail };
}

function readCommands(v: unknown): CandidateEntry['commands'] {
  if (typeof v === 'string') return [{ command: v }];
  if (isObject(v) && str(pick(v, 'command', 'cli')) !== null) return [{ label: str(pick(v, 'label', 'title', 'description')) ?? undefined, command: str(pick(v, 'command', 'cli'))! }];
  if (isObject(v)) return Object.entries(v).flatMap(([label, c]) => (typeof c === 'string' ? [{ label, command: c }] : []));
  return arr(v).flatMap((c) => (typeof c === 'string' ? [{ command: c }] : isObject(c) && str(pick(c, 'command', 'cli')) !== null ? [{ label: str(pick(c, 'label', 'title', 'description')) ?? undefined, command: str(pick(c, 'command', 'cli'))! }] : []));
}

function readCandidate(c: Json): CandidateEntry {
  const recipe = isObject(c.recipe) ? c.recipe : null;
  const objective = isObject(c.objective) && str(c.objective.metric) !== null ? { metric: str(c.objective.metric)!, value: num(c.objective.value) } : null;
  return {
    name: str(pick(c, 'name', 'candidate')) ?? '?',
    rank: num(c.rank),
    algorithm: str(c.algorithm) ?? '?',
    recipe: recipe ? [str(pick(recipe, 'variant', 'name')), str(recipe.fit)].filter(Boolean).join(' · ') || null : str(c.recipe),
    steps: arr(recipe ? pick(recipe, 'steps', 'transforms') : pick(c, 'steps', 'recipeSteps')).map(readStep).filter((s): s is NonNullable<typeof s> => s !== null),
    hyperParameters: Object.entries(isObject(pick(c, 'hyperParameters', 'hyperparameters')) ? (pick(c, 'hyperParameters', 'hyperparameters') as Json) : {}).map(([k, v]) => [k, str(v) ?? JSON.stringify(v)]),
    metrics: pairs(c.metrics, ['name', 'metric'], ['value']),
    objective,
    importance: pairs(pick(c, 'importance', 'featureImportance'), ['column', 'feature', 'name'], ['importance', 'value'])
      .map(([label, value]) => ({ label, value }))
      .sort((a, b) => b.value - a.value),
    commands: readCommands(pick(c, 'commands', 'cli', 'cliCommands')),
    members: arr(c.members).flatMap((m) => (isObject(m) && str(m.candidate) !== null && num(m.weight) !== null ? [{ candidate: str(m.candidate)!, weight: num(m.weight)! }] : [])),
    crossValidation: readFolds(c.crossValidation),
  };
}

export interface CandidateReport {
  candidates: CandidateEntry[];
  /** The recipes the candidates read, with the commands that fit them. */
  recipes: { variant: string; commands: CandidateEntry['commands'] }[];
}

export function readCandidateReport(raw: unknown): CandidateReport {
  const list = Array.isArray(raw) ? raw : isObject(raw) ? arr(pick(raw, 'candidates', 'leaderboard')) : [];
  const recipes = isObject(raw)
    ? arr(raw.recipes).flatMap((r) => (isObject(r) && str(pick(r, 'variant', 'recipeName')) !== null ? [{ variant: str(pick(r, 'variant', 'recipeName'))!, commands: readCommands(r.commands) }] : []))
    : [];
  return { candidates: list.filter(isObject).map(readCandidate), recipes };
}
