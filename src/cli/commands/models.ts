import { Option, type Command } from 'commander';
import type { ApprovalStatus, Model, ModelPackage, OnnxValueInfo } from '../../sdk/index.js';
import { client, collect, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, formatBytes, table } from '../output.js';

type Json = { json?: boolean };
const APPROVAL: ApprovalStatus[] = ['PendingManualApproval', 'Approved', 'Rejected'];

interface CreateOptions extends Json {
  fromJob?: string;
  artifact?: string;
  algorithm?: string;
  onnx?: string;
  format?: 'algorithm' | 'onnx';
  recipe?: string;
  description?: string;
  tag?: string[];
}

/** `orchard models …`: create (from a job, an artifact or an ONNX file), list, describe, delete. */
export function modelsCommand(program: Command): void {
  const models = program.command('models').description('Models: deployable artifacts with lineage (SageMaker CreateModel)');

  models
    .command('create <name>')
    .description('Create a model from a completed training job, a model.tar.gz artifact, or an ONNX file')
    .option('--from-job <job>', 'a Completed training job')
    .option('--artifact <key>', 'a model.tar.gz in the artifact store (with --algorithm)')
    .option('--algorithm <name>', 'the built-in that reads --artifact')
    .option('--onnx <file>', 'an ONNX model file on this machine')
    .addOption(new Option('--format <format>', 'with --from-job or --artifact: store the model as it is (algorithm) or exported to ONNX (onnx)').choices(['algorithm', 'onnx']))
    .option('--recipe <ref>', 'an inference pipeline: a recipe fit (R@N, or R for its newest) applied to raw rows before the model')
    .option('--description <text>', 'free text')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--json', 'machine output')
    .action((name: string, opts: CreateOptions) =>
      run(opts, async () => {
        const sources = [opts.fromJob, opts.artifact, opts.onnx].filter(Boolean).length;
        if (sources !== 1) throw new Error('Give exactly one of --from-job, --artifact (with --algorithm) or --onnx');
        if (opts.onnx && opts.format) throw new Error('--format applies to --from-job and --artifact; an --onnx file is an ONNX model already');
        if (opts.onnx && opts.recipe) throw new Error('--recipe applies to --from-job and --artifact');
        const orchard = client();
        const model = opts.onnx
          ? await orchard.models.createFromOnnx({ name, file: opts.onnx, description: opts.description })
          : await orchard.models.create({
              name,
              fromJob: opts.fromJob,
              artifactKey: opts.artifact,
              algorithm: opts.algorithm,
              format: opts.format,
              recipe: opts.recipe,
              description: opts.description,
              tags: parseKeyValues(opts.tag, '--tag'),
            });
        emit(opts, model, () => `Created model ${model.name} (${model.recipe ? `recipe ${model.recipe.ref} -> ` : ''}${formatOf(model)}, ${formatBytes(model.sizeBytes)})`);
      }),
    );

  models
    .command('list')
    .description('List models, newest first')
    .option('--name-contains <text>', 'only names containing this text')
    .option('--algorithm <name>', 'only models of this built-in')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--offset <n>', 'skip n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { nameContains?: string; algorithm?: string; limit?: number; offset?: number }) =>
      run(opts, async () => {
        const { json: _json, ...filter } = opts;
        const res = await client().models.list(filter);
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No models.'
            : table(
                ['name', 'format', 'source', 'size', 'created'],
                res.items.map((m) => [m.name, formatOf(m), m.lineage.trainingJob ? `job ${m.lineage.trainingJob}` : m.lineage.source, formatBytes(m.sizeBytes), m.createdAt]),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );

  models
    .command('describe <name>')
    .description('Format, artifact, lineage and metrics of a model')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const m = await client().models.describe(name);
        emit(opts, m, () => describeModel(m));
      }),
    );

  models
    .command('export <name>')
    .description("Write a model as an ONNX file (a built-in's model is exported: xgboost, linear-learner, kmeans, knn, pca, lda, factorization-machines, image-classification, ntm, object2vec, seq2seq, randomcutforest, ipinsights, blazingtext)")
    .addOption(new Option('--format <format>', 'file format').choices(['onnx']).default('onnx'))
    .option('--output <file>', 'where to write it (default: <name>.onnx)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { output?: string }) =>
      run(opts, async () => {
        const res = await client().models.exportOnnx(name, opts.output ?? `${name}.onnx`);
        emit(opts, res, () => `Wrote ${res.file} (${formatBytes(res.sizeBytes)})`);
      }),
    );

  models
    .command('delete <name>')
    .description('Delete a model (refused while a registry version or an endpoint uses it)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().models.delete(name);
        emit(opts, { deleted: name }, () => `Deleted model ${name}`);
      }),
    );
}

/** `orchard registry …`: model package groups, versions and approval. */
export function registryCommand(program: Command): void {
  const registry = program.command('registry').description('Model registry: versioned model packages with approval');

  registry
    .command('register <group>')
    .description("Register a model as the group's next version (the group is created on first use)")
    .requiredOption('--model <name>', 'the model to register')
    .addOption(new Option('--approval-status <status>', 'initial approval status').choices(APPROVAL))
    .option('--description <text>', 'free text')
    .option('--json', 'machine output')
    .action((group: string, opts: Json & { model: string; approvalStatus?: ApprovalStatus; description?: string }) =>
      run(opts, async () => {
        const p = await client().registry.register(group, { model: opts.model, approvalStatus: opts.approvalStatus, description: opts.description });
        emit(opts, p, () => `Registered ${p.modelName} as ${p.ref} (${p.approvalStatus})`);
      }),
    );

  registry
    .command('groups')
    .description('List model package groups')
    .option('--json', 'machine output')
    .action((opts: Json) =>
      run(opts, async () => {
        const groups = await client().registry.groups();
        emit(opts, groups, () =>
          groups.length === 0 ? 'No model package groups.' : table(['group', 'versions', 'latest', 'created'], groups.map((g) => [g.name, g.versionCount, g.latestVersion, g.createdAt])),
        );
      }),
    );

  registry
    .command('list <group>')
    .description('Versions of a group, newest first')
    .addOption(new Option('--approval-status <status>', 'only versions with this status').choices(APPROVAL))
    .option('--json', 'machine output')
    .action((group: string, opts: Json & { approvalStatus?: ApprovalStatus }) =>
      run(opts, async () => {
        const versions = await client().registry.versions(group, { approvalStatus: opts.approvalStatus });
        emit(opts, versions, () =>
          versions.length === 0
            ? `No versions in ${group}.`
            : table(['version', 'model', 'approval', 'changed by', 'metrics', 'created'], versions.map((v) => [v.ref, v.modelName, v.approvalStatus, lastChange(v).by, metricsText(v.metrics), v.createdAt])),
        );
      }),
    );

  registry
    .command('describe <ref>')
    .description('A version (group@N, or group for the newest): approval history, metrics, lineage')
    .option('--json', 'machine output')
    .action((ref: string, opts: Json) =>
      run(opts, async () => {
        const p = await client().registry.describe(ref);
        emit(opts, p, () => describePackage(p));
      }),
    );

  for (const [verb, status] of [
    ['approve', 'Approved'],
    ['reject', 'Rejected'],
  ] as const) {
    registry
      .command(`${verb} <ref>`)
      .description(`Set a version (group@N) to ${status}, recording who and when`)
      .option('--reason <text>', 'why (kept in the approval history)')
      .option('--json', 'machine output')
      .action((ref: string, opts: Json & { reason?: string }) =>
        run(opts, async () => {
          const p = await client().registry.setApproval(ref, status, opts.reason);
          emit(opts, p, () => `${p.ref}: ${p.approvalStatus} by ${lastChange(p).by ?? '-'}`);
        }),
      );
  }

  registry
    .command('delete <ref>')
    .description('Delete a version (group@N) or an empty group (group)')
    .option('--json', 'machine output')
    .action((ref: string, opts: Json) =>
      run(opts, async () => {
        await client().registry.delete(ref);
        emit(opts, { deleted: ref }, () => `Deleted ${ref}`);
      }),
    );
}

function formatOf(m: Model): string {
  return m.format === 'onnx' ? 'onnx' : (m.algorithm ?? m.format);
}

function metricsText(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .slice(0, 3)
    .map(([k, v]) => `${k}=${Number(v.toPrecision(6))}`)
    .join(' ');
}

function lastChange(p: ModelPackage) {
  return p.approvalHistory[p.approvalHistory.length - 1];
}

function describeModel(m: Model): string {
  return fields([
    ['name', m.name],
    ['format', formatOf(m)],
    ['artifact', m.artifactUri],
    ['size', formatBytes(m.sizeBytes)],
    ['sha256', m.sha256],
    ['source', m.lineage.source],
    ['training job', m.lineage.trainingJob],
    ['datasets', m.lineage.datasets ? Object.entries(m.lineage.datasets).map(([c, d]) => `${c}=${d.dataset}@${d.version}`).join(' ') : undefined],
    ['hyperparameters', m.lineage.hyperParameters ? Object.entries(m.lineage.hyperParameters).map(([k, v]) => `${k}=${v}`).join(' ') : undefined],
    ['exported from', m.lineage.exportedFrom],
    ['recipe', m.recipe ? `${m.recipe.ref}: raw rows of ${m.recipe.inputColumns.map((c) => c.name).join(', ')} -> ${m.recipe.numFeatures} features` : undefined],
    ['metrics', metricsText(m.metrics) || undefined],
    ['description', m.description],
    ['created', `${m.createdAt} by ${m.createdBy ?? '-'}`],
    ...onnxFields(m),
  ]);
}

function onnxFields(m: Model): Array<[string, string | undefined]> {
  if (!m.onnx) return [];
  const value = (v: OnnxValueInfo) => `${v.name} ${v.type}${v.shape ? `[${v.shape.map((d) => d ?? '?').join(', ')}]` : ''}`;
  return [
    ['onnx opsets', Object.entries(m.onnx.opsets).map(([d, v]) => `${d} ${v}`).join(', ')],
    ['onnx producer', m.onnx.producer || undefined],
    ['inputs', m.onnx.inputs.map(value).join('; ')],
    ['outputs', m.onnx.outputs.map(value).join('; ')],
    ['served', m.onnx.serving ? `${m.onnx.serving.input} -> ${m.onnx.serving.output} (${m.onnx.serving.numFeatures} features)` : m.onnx.servingProblem],
  ];
}

function describePackage(p: ModelPackage): string {
  const history = p.approvalHistory.map((c) => `  ${c.at}  ${c.status.padEnd(21)} ${c.by ?? '-'}${c.description ? `  ${c.description}` : ''}`).join('\n');
  return (
    fields([
      ['version', p.ref],
      ['model', p.modelName],
      ['approval', p.approvalStatus],
      ['algorithm', p.lineage.algorithm ?? p.lineage.format],
      ['training job', p.lineage.trainingJob],
      ['datasets', p.lineage.datasets ? Object.entries(p.lineage.datasets).map(([c, d]) => `${c}=${d.dataset}@${d.version}`).join(' ') : undefined],
      ['metrics', metricsText(p.metrics) || undefined],
      ['description', p.description],
      ['created', `${p.createdAt} by ${p.createdBy ?? '-'}`],
    ]) + `\napproval history:\n${history}`
  );
}
