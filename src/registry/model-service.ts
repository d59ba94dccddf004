import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OrchardError } from '../core/index.js';
import { newId } from '../core/index.js';
import { checkOnnxModel, exportToOnnx, type OnnxModelInfo } from '../onnx/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { normalizeKey } from '../storage/index.js';
import type { TrainingService } from '../training/index.js';
import { checkAlgorithmModel, extract, ONNX_FILE, RECIPE_FILE, seedModelCache } from './model-files.js';
import { validateModelName } from './names.js';
import { RegistryStore } from './registry-store.js';
import type { CreateModelInput, Model, ModelLineage, ModelRecipe } from './types.js';

export interface ModelServiceDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  training: Pick<TrainingService, 'describe'>;
  /** Scratch space for validating artifacts. */
  workDir: string;
  /**
   * The folder of unpacked models that this machine's transform shards and endpoints read
   * (`materializeModel`'s cache): a model created from an archive is left there, unpacked
   * by its check, so its first use does not unpack it again.
   */
  modelCacheDir?: string;
  /**
   * Checks that a file is an ONNX model Orchard can serve and says what it takes and
   * gives (throws ORCH_MODEL_INVALID otherwise). @default checkOnnxModel (onnxruntime)
   */
  checkOnnx?: (file: string) => Promise<OnnxModelInfo>;
  /** Names of things (endpoints) that use a model, which a delete must not pull from under. */
  usersOf?: (model: string) => Promise<string[]>;
  /** Recipe fits, for inference-pipeline models (`recipe` in a create request); wired by the platform. */
  recipes?: RecipeSource;
}

/**
 * What the registry needs of recipes: a fit by reference (`R@N`, or `R` for the newest),
 * with its fitted recipe's bytes. Declared here and wired by the platform, so the
 * registry never imports the recipes capability.
 */
export interface RecipeSource {
  fitForModel(ref: string): Promise<{
    ref: string;
    recipe: string;
    version: number;
    target: string | null;
    inputColumns: Array<{ name: string; type: string }>;
    numFeatures: number;
    body: Buffer;
  }>;
}

/** A model's archive already in the store, as it was when it was checked. */
type StoredArchive = { key: string; sha256: string };

/** A recipe fit on its way into a model: what is stored, and the bytes to copy. */
type PipelineRecipe = Omit<ModelRecipe, 'artifactKey' | 'sha256'> & { body: Buffer };

// The list filter is a wire shape: declared in the contracts.
export type { ModelFilter } from '../contracts/index.js';
import type { ModelFilter } from '../contracts/index.js';

export interface UploadOnnxInput {
  name: string;
  body: Readable;
  expectedSize?: number;
  description?: string;
  tags?: Record<string, string>;
  createdBy?: string;
}

/** Models (SageMaker CreateModel): immutable copies of artifacts, with lineage. */
export class ModelService {
  private readonly store: RegistryStore;

  constructor(private readonly deps: ModelServiceDeps) {
    this.store = new RegistryStore(deps.metadata, deps.artifacts.url);
  }

  /**
   * From a completed training job, or from a model.tar.gz in the store read by a
   * built-in; with `format: 'onnx'` the built-in's model is stored exported to ONNX.
   */
  async create(input: CreateModelInput): Promise<Model> {
    const name = validateModelName(input.name);
    await this.refuseTaken(name);
    if (Boolean(input.fromJob) === Boolean(input.artifactKey)) {
      throw new OrchardError('ORCH_MODEL_SOURCE_INVALID', { message: 'Give exactly one source: fromJob, or artifactKey with algorithm' });
    }
    const format = input.format ?? 'algorithm';
    if (format !== 'algorithm' && format !== 'onnx') {
      throw new OrchardError('ORCH_MODEL_SOURCE_INVALID', { message: `Unknown model format '${String(format)}'; use algorithm or onnx`, details: { format } });
    }
    const recipe = input.recipe !== undefined ? await this.pipelineRecipe(input.recipe) : null;
    return this.withScratch(async (scratch) => {
      const source = input.fromJob ? await this.fromJob(input.fromJob) : await this.fromArtifact(input.artifactKey!, input.algorithm);
      const lineage: ModelLineage = recipe ? { ...source.lineage, recipe: recipe.ref } : source.lineage;
      // The archive is checked as it streams from the store and then copied inside the store:
      // its bytes never pass through a local file. The copy is refused if it changed meanwhile.
      const stored = await this.deps.artifacts.head(source.key);
      if (!stored) throw new OrchardError('ORCH_ARTIFACT_NOT_FOUND', { message: `No artifact '${source.key}'`, details: { key: source.key } });
      const archive = { key: source.key, sha256: stored.sha256 };
      const unpacked = path.join(scratch, 'model');
      await extract(await this.deps.artifacts.get(source.key), unpacked);
      if (source.algorithm) {
        const { numFeatures } = await checkAlgorithmModel(source.algorithm, unpacked);
        checkPipeline(recipe, numFeatures);
        if (format === 'onnx') {
          const exported = path.join(scratch, ONNX_FILE);
          await fs.writeFile(exported, await exportToOnnx(unpacked, source.algorithm));
          const onnx = await this.checkOnnx(exported);
          return this.persist(name, 'onnx', null, exported, ONNX_FILE, { ...lineage, exportedFrom: source.algorithm }, source.metrics, input, onnx, recipe);
        }
        const model = await this.persist(name, 'algorithm', source.algorithm, archive, 'model.tar.gz', lineage, source.metrics, input, null, recipe);
        if (this.deps.modelCacheDir) await seedModelCache(model, unpacked, this.deps.modelCacheDir);
        return model;
      }
      // A script-mode job is deployable when it wrote an ONNX model (model/model.onnx).
      const onnx = path.join(unpacked, ONNX_FILE);
      if (!(await fs.stat(onnx).catch(() => null))?.isFile()) {
        throw new OrchardError('ORCH_MODEL_SOURCE_INVALID', {
          message: `Training job '${input.fromJob}' ran a script and its model has no ${ONNX_FILE}; write one to SM_MODEL_DIR to deploy it`,
          details: { job: input.fromJob },
        });
      }
      const info = await this.checkOnnx(onnx);
      if (recipe) checkPipeline(recipe, info.serving?.numFeatures ?? null);
      return this.persist(name, 'onnx', null, onnx, ONNX_FILE, lineage, source.metrics, input, info, recipe);
    });
  }

  /** The recipe fit an inference pipeline starts with. */
  private async pipelineRecipe(ref: string): Promise<PipelineRecipe> {
    if (!this.deps.recipes) throw new OrchardError('ORCH_MODEL_SOURCE_INVALID', { message: 'This server has no recipes: a model with a recipe cannot be created here' });
    const fit = await this.deps.recipes.fitForModel(ref);
    return { ref: fit.ref, recipe: fit.recipe, version: fit.version, target: fit.target, inputColumns: fit.inputColumns, numFeatures: fit.numFeatures, body: fit.body };
  }

  /** An ONNX model uploaded as a stream (checked with onnxruntime before it is registered). */
  async createOnnx(input: UploadOnnxInput): Promise<Model> {
    const name = validateModelName(input.name);
    await this.refuseTaken(name);
    return this.withScratch(async (scratch) => {
      const file = path.join(scratch, ONNX_FILE);
      await pipeline(input.body, createWriteStream(file));
      const size = (await fs.stat(file)).size;
      if (input.expectedSize !== undefined && size !== input.expectedSize) {
        throw new OrchardError('ORCH_MODEL_INVALID', { message: `The upload ended after ${size} of ${input.expectedSize} bytes` });
      }
      if (size === 0) throw new OrchardError('ORCH_MODEL_INVALID', { message: 'The ONNX file is empty' });
      const info = await this.checkOnnx(file);
      return this.persist(name, 'onnx', null, file, ONNX_FILE, { source: 'upload' }, {}, input, info);
    });
  }

  /**
   * The model as an ONNX file: an ONNX model's own file, or a built-in's model exported
   * (ORCH_MODEL_EXPORT_UNSUPPORTED for a built-in without an exporter).
   */
  async exportOnnx(name: string): Promise<{ model: Model; body: Readable }> {
    const model = await this.describe(name);
    if (model.format === 'onnx') return { model, body: await this.deps.artifacts.get(model.artifactKey) };
    const bytes = await this.withScratch(async (scratch) => {
      const unpacked = path.join(scratch, 'model');
      await extract(await this.deps.artifacts.get(model.artifactKey), unpacked);
      return exportToOnnx(unpacked, model.algorithm ?? '');
    });
    return { model, body: Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]) };
  }

  async describe(name: string): Promise<Model> {
    return this.store.model(validateModelName(name));
  }

  async list(filter: ModelFilter = {}): Promise<{ items: Model[]; total: number }> {
    return this.store.listModels(filter);
  }

  /** Deletes a model and its copy of the artifact; refused while a registry version or an endpoint uses it. */
  async delete(name: string): Promise<void> {
    const model = await this.describe(name);
    const users = [...(await this.store.packagesUsing(model.name)), ...((await this.deps.usersOf?.(model.name)) ?? [])];
    if (users.length > 0) {
      throw new OrchardError('ORCH_MODEL_IN_USE', { message: `Model '${model.name}' is used by ${users.join(', ')}`, details: { name: model.name, usedBy: users } });
    }
    await this.store.deleteModel(model.name);
    await this.deps.artifacts.deletePrefix(path.posix.dirname(model.artifactKey) + '/');
  }

  private async fromJob(jobName: string) {
    const job = await this.deps.training.describe(jobName);
    if (job.status !== 'Completed' || !job.modelArtifact) {
      throw new OrchardError('ORCH_MODEL_SOURCE_INVALID', {
        message: `Training job '${job.name}' is ${job.status}; only a Completed job has a model`,
        details: { job: job.name, status: job.status },
      });
    }
    const prefix = `${this.deps.artifacts.url}/`;
    const key = job.modelArtifact.startsWith(prefix) ? job.modelArtifact.slice(prefix.length) : `jobs/${job.name}/output/model.tar.gz`;
    const lineage: ModelLineage = {
      source: 'training-job',
      trainingJob: job.name,
      datasets: Object.fromEntries(Object.entries(job.channels).map(([c, d]) => [c, { dataset: d.dataset, version: d.version }])),
      hyperParameters: job.hyperParameters,
    };
    return { key, algorithm: job.algorithm, lineage, metrics: job.finalMetrics };
  }

  private async fromArtifact(rawKey: string, algorithm: string | undefined) {
    if (!algorithm) throw new OrchardError('ORCH_MODEL_SOURCE_INVALID', { message: 'A model from an artifact needs the algorithm that reads it (algorithm)' });
    // Its presence is checked by create, which reads its record (head) before the archive.
    const key = normalizeKey(rawKey);
    return { key, algorithm, lineage: { source: 'artifact', artifactKey: key } as ModelLineage, metrics: {} };
  }

  private async persist(
    name: string,
    format: Model['format'],
    algorithm: string | null,
    file: string | StoredArchive,
    fileName: string,
    lineage: ModelLineage,
    metrics: Record<string, number>,
    input: { description?: string; tags?: Record<string, string>; createdBy?: string },
    onnx: OnnxModelInfo | null = null,
    recipe: PipelineRecipe | null = null,
  ): Promise<Model> {
    const id = newId('model');
    const key = `models/${name}/${id}/${fileName}`;
    let stored: ModelRecipe | null = null;
    try {
      if (recipe) {
        // The model's own copy of the fit: a later fit, or the recipe's deletion, changes nothing here.
        const { body, ...facts } = recipe;
        const recipeKey = `models/${name}/${id}/${RECIPE_FILE}`;
        const copy = await this.deps.artifacts.put(recipeKey, body);
        stored = { ...facts, artifactKey: recipeKey, sha256: copy.sha256 };
      }
      const info =
        typeof file === 'string' ? await this.deps.artifacts.put(key, createReadStream(file)) : await this.deps.artifacts.copy(file.key, key, { expectedSha256: file.sha256 });
      await this.store.insertModel({
        id,
        name,
        format,
        algorithm,
        artifact_key: key,
        sha256: info.sha256,
        size_bytes: info.size,
        lineage_json: JSON.stringify(lineage),
        metrics_json: JSON.stringify(metrics ?? {}),
        description: input.description ?? null,
        tags_json: JSON.stringify(input.tags ?? {}),
        created_by: input.createdBy ?? null,
        created_at: new Date().toISOString(),
        onnx_json: onnx ? JSON.stringify(onnx) : null,
        ...(stored ? { recipe_json: JSON.stringify(stored) } : {}),
      });
    } catch (err) {
      await this.deps.artifacts.deletePrefix(`models/${name}/${id}/`).catch(() => undefined);
      throw err;
    }
    return this.store.model(name);
  }

  private checkOnnx(file: string): Promise<OnnxModelInfo> {
    return (this.deps.checkOnnx ?? checkOnnxModel)(file);
  }

  private async refuseTaken(name: string): Promise<void> {
    if (await this.store.findModel(name)) throw new OrchardError('ORCH_MODEL_EXISTS', { message: `A model named '${name}' exists`, details: { name } });
  }

  private async withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = path.join(this.deps.workDir, `model-${randomUUID()}`);
    await fs.mkdir(dir, { recursive: true });
    try {
      return await fn(dir);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}

/** A pipeline's recipe must make the features its model reads. */
function checkPipeline(recipe: PipelineRecipe | null, modelFeatures: number | null): void {
  if (!recipe || modelFeatures === null || recipe.numFeatures === modelFeatures) return;
  throw new OrchardError('ORCH_MODEL_SOURCE_INVALID', {
    message: `Recipe fit ${recipe.ref} makes ${recipe.numFeatures} features; the model reads ${modelFeatures}. Train on a dataset the fit applied`,
    details: { recipe: recipe.ref, recipeFeatures: recipe.numFeatures, modelFeatures },
  });
}
