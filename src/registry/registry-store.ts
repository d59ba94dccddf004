import { OrchardError } from '../core/index.js';
import type { MetadataStore, ModelPackagesTable, ModelsTable } from '../storage/index.js';
import type { ApprovalChange, ApprovalStatus, Model, ModelPackage, ModelPackageGroup } from './types.js';

/** Reads and writes the models and model-package tables; the only code that knows their shape. */
export class RegistryStore {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly artifactsUrl: string,
  ) {}

  private get db() {
    return this.metadata.db;
  }

  async insertModel(row: ModelsTable): Promise<void> {
    try {
      await this.db.insertInto('models').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_MODEL_EXISTS', { message: `A model named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async findModel(name: string): Promise<ModelsTable | undefined> {
    return this.db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async model(name: string): Promise<Model> {
    const row = await this.findModel(name);
    if (!row) throw new OrchardError('ORCH_MODEL_NOT_FOUND', { message: `No model '${name}'`, details: { name } });
    return this.toModel(row);
  }

  async listModels(filter: { nameContains?: string; algorithm?: string; limit?: number; offset?: number }): Promise<{ items: Model[]; total: number }> {
    let q = this.db.selectFrom('models');
    if (filter.nameContains) q = q.where('name', 'like', `%${escapeLike(filter.nameContains)}%`);
    if (filter.algorithm) q = q.where('algorithm', '=', filter.algorithm);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { items: rows.map((r) => this.toModel(r)), total };
  }

  async deleteModel(name: string): Promise<void> {
    await this.db.deleteFrom('models').where('name', '=', name).execute();
  }

  /** Group@version refs that use the model. */
  async packagesUsing(model: string): Promise<string[]> {
    const rows = await this.db.selectFrom('model_packages').select(['group_name', 'version']).where('model_name', '=', model).orderBy('group_name').orderBy('version').execute();
    return rows.map((r) => `${r.group_name}@${r.version}`);
  }

  /** Creates the group if it is new (a concurrent create of the same group is fine). */
  async ensureGroup(name: string, createdBy: string | null, description: string | null): Promise<void> {
    const existing = await this.db.selectFrom('model_package_groups').select('name').where('name', '=', name).executeTakeFirst();
    if (existing) return;
    try {
      await this.db.insertInto('model_package_groups').values({ name, description, created_by: createdBy, created_at: new Date().toISOString() }).execute();
    } catch (err) {
      if (!this.metadata.isUniqueViolation(err)) throw err;
    }
  }

  async group(name: string): Promise<ModelPackageGroup> {
    const row = await this.db.selectFrom('model_package_groups').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_REGISTRY_GROUP_NOT_FOUND', { message: `No model package group '${name}'`, details: { group: name } });
    const stats = await this.db
      .selectFrom('model_packages')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('version').as('latest')])
      .where('group_name', '=', name)
      .executeTakeFirstOrThrow();
    return { name: row.name, description: row.description, versionCount: Number(stats.n), latestVersion: stats.latest === null ? null : Number(stats.latest), createdBy: row.created_by, createdAt: row.created_at };
  }

  async listGroups(): Promise<ModelPackageGroup[]> {
    const rows = await this.db.selectFrom('model_package_groups').select('name').orderBy('name').execute();
    return Promise.all(rows.map((r) => this.group(r.name)));
  }

  async deleteGroup(name: string): Promise<void> {
    await this.db.deleteFrom('model_package_groups').where('name', '=', name).execute();
  }

  /**
   * Inserts the next version of a group. Two registrations racing for one number: the
   * loser's insert hits the primary key and it takes the next number.
   */
  async insertNextVersion(row: Omit<ModelPackagesTable, 'version'>): Promise<number> {
    for (let tries = 0; ; tries++) {
      const max = await this.db.selectFrom('model_packages').select((eb) => eb.fn.max('version').as('m')).where('group_name', '=', row.group_name).executeTakeFirst();
      const version = max?.m === null || max?.m === undefined ? 1 : Number(max.m) + 1;
      try {
        await this.db.insertInto('model_packages').values({ ...row, version }).execute();
        return version;
      } catch (err) {
        if (!this.metadata.isUniqueViolation(err) || tries >= 20) throw err;
      }
    }
  }

  async packageRow(group: string, version: number | null): Promise<ModelPackagesTable> {
    let q = this.db.selectFrom('model_packages').selectAll().where('group_name', '=', group);
    q = version === null ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
    const row = await q.executeTakeFirst();
    if (!row) {
      await this.group(group); // a missing group says so rather than "no version"
      throw new OrchardError('ORCH_REGISTRY_VERSION_NOT_FOUND', {
        message: version === null ? `Model package group '${group}' has no versions` : `No version ${version} in model package group '${group}'`,
        details: { group, version },
      });
    }
    return row;
  }

  async listPackages(group: string, filter: { approvalStatus?: ApprovalStatus }): Promise<ModelPackage[]> {
    let q = this.db.selectFrom('model_packages').selectAll().where('group_name', '=', group);
    if (filter.approvalStatus) q = q.where('approval_status', '=', filter.approvalStatus);
    return (await q.orderBy('version', 'desc').execute()).map(toPackage);
  }

  async setApproval(group: string, version: number, history: ApprovalChange[]): Promise<void> {
    const current = history[history.length - 1];
    await this.db
      .updateTable('model_packages')
      .set({ approval_status: current.status, approval_history_json: JSON.stringify(history), updated_at: current.at })
      .where('group_name', '=', group)
      .where('version', '=', version)
      .execute();
  }

  async deletePackage(group: string, version: number): Promise<void> {
    await this.db.deleteFrom('model_packages').where('group_name', '=', group).where('version', '=', version).execute();
  }

  toModel(row: ModelsTable): Model {
    return {
      name: row.name,
      format: row.format as Model['format'],
      algorithm: row.algorithm,
      artifactKey: row.artifact_key,
      artifactUri: `${this.artifactsUrl}/${row.artifact_key}`,
      sha256: row.sha256,
      sizeBytes: Number(row.size_bytes),
      lineage: JSON.parse(row.lineage_json),
      metrics: JSON.parse(row.metrics_json),
      description: row.description,
      tags: JSON.parse(row.tags_json),
      createdBy: row.created_by,
      createdAt: row.created_at,
      onnx: row.onnx_json ? JSON.parse(row.onnx_json) : null,
      ...(row.recipe_json ? { recipe: JSON.parse(row.recipe_json) } : {}),
    };
  }
}

export function toPackage(row: ModelPackagesTable): ModelPackage {
  return {
    group: row.group_name,
    version: Number(row.version),
    ref: `${row.group_name}@${row.version}`,
    modelName: row.model_name,
    approvalStatus: row.approval_status as ApprovalStatus,
    approvalHistory: JSON.parse(row.approval_history_json),
    description: row.description,
    metrics: JSON.parse(row.metrics_json),
    lineage: JSON.parse(row.lineage_json),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
