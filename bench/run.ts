/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints JSON lines.
 * Benchmarks measure; they never assert. Results worth keeping go to bench/RESULTS.md.
 */
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  ingest: () => import('./ingest.bench.js'),
  gbdt: () => import('./gbdt.bench.js'),
  kmeans: () => import('./kmeans.bench.js'),
  pca: () => import('./pca.bench.js'),
  linear: () => import('./linear.bench.js'),
  transform: () => import('./transform.bench.js'),
  crawlers: () => import('./crawlers.bench.js'),
  serve: () => import('./serve.bench.js'),
  'serve-metrics': () => import('./serve-metrics.bench.js'),
  'sigv4-verify': () => import('./sigv4-verify.bench.js'),
  'recipe-serve': () => import('./recipe-serve.bench.js'),
  hpo: () => import('./hpo.bench.js'),
  onnx: () => import('./onnx.bench.js'),
  events: () => import('./events.bench.js'),
  fleet: () => import('./fleet.bench.js'),
  'worker-start': () => import('./worker-start.bench.js'),
  recipes: () => import('./recipes.bench.js'),
  'data-quality': () => import('./data-quality.bench.js'),
  monitor: () => import('./monitor.bench.js'),
  processing: () => import('./processing.bench.js'),
  dashboards: () => import('./dashboards.bench.js'),
  forecast: () => import('./forecast.bench.js'),
  'forecast-models': () => import('./forecast-models.bench.js'),
  pipelines: () => import('./pipelines.bench.js'),
  debugger: () => import('./debugger.bench.js'),
  'labeling-consolidation': () => import('./labeling-consolidation.bench.js'),
  'labeling-auto': () => import('./labeling-auto.bench.js'),
  'labeling-ui': () => import('./labeling-ui.bench.js'),
  reviews: () => import('./reviews.bench.js'),
  treeshap: () => import('./treeshap.bench.js'),
  automl: () => import('./automl.bench.js'),
  knn: () => import('./knn.bench.js'),
  rcf: () => import('./rcf.bench.js'),
  fm: () => import('./fm.bench.js'),
  blazingtext: () => import('./blazingtext.bench.js'),
  lda: () => import('./lda.bench.js'),
  'neural-engine': () => import('./neural-engine.bench.js'),
  'image-classification': () => import('./image-classification.bench.js'),
  object2vec: () => import('./object2vec.bench.js'),
  'profile-wide': () => import('./profile-wide.bench.js'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]\n`);
  process.exit(2);
}
await (await load()).run(args);
