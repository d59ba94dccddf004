import { OrchardError } from '../core/index.js';
import type { MetadataStore } from '../storage/index.js';
import { parsePackageRef, validateGroupName, validateModelName } from './names.js';
import { RegistryStore, toPackage } from './registry-store.js';
import { APPROVAL_STATUSES, type ApprovalStatus, type ModelPackage, type ModelPackageGroup, type RegisterModelInput } from './types.js';

/**
 * The model registry: model package groups hold numbered versions of registered models,
 * each with an approval status (who changed it, when, why) and the model's lineage and
 * metrics copied at registration, so a version keeps telling its story.
 */
export class PackageService {
  private readonly store: RegistryStore;

  constructor(metadata: MetadataStore, artifactsUrl: string) {
    this.store = new RegistryStore(metadata, artifactsUrl);
  }

  /** Registers a model as the group's next version; the group is created on first use. */
  async register(input: RegisterModelInput): Promise<ModelPackage> {
    const group = validateGroupName(input.group);
    const model = await this.store.model(validateModelName(input.model));
    const status = checkStatus(input.approvalStatus ?? 'PendingManualApproval');
    const now = new Date().toISOString();
    await this.store.ensureGroup(group, input.createdBy ?? null, null);
    const version = await this.store.insertNextVersion({
      group_name: group,
      model_name: model.name,
      approval_status: status,
      approval_history_json: JSON.stringify([{ status, by: input.createdBy ?? null, at: now, description: null }]),
      description: input.description ?? null,
      metrics_json: JSON.stringify(model.metrics),
      lineage_json: JSON.stringify({ ...model.lineage, model: model.name, algorithm: model.algorithm, format: model.format }),
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
    });
    return toPackage(await this.store.packageRow(group, version));
  }

  async groups(): Promise<ModelPackageGroup[]> {
    return this.store.listGroups();
  }

  async group(name: string): Promise<ModelPackageGroup> {
    return this.store.group(validateGroupName(name));
  }

  /** Versions of a group, newest first. */
  async versions(group: string, filter: { approvalStatus?: ApprovalStatus } = {}): Promise<ModelPackage[]> {
    const name = validateGroupName(group);
    await this.store.group(name);
    if (filter.approvalStatus) checkStatus(filter.approvalStatus);
    return this.store.listPackages(name, filter);
  }

  /** `group@N`, or `group` for its newest version. */
  async describe(ref: string): Promise<ModelPackage> {
    const { group, version } = parsePackageRef(ref);
    return toPackage(await this.store.packageRow(group, version));
  }

  /** The newest Approved version of a group (what a deployment of "the approved model" takes). */
  async latestApproved(group: string): Promise<ModelPackage> {
    const [newest] = await this.versions(group, { approvalStatus: 'Approved' });
    if (!newest) throw new OrchardError('ORCH_REGISTRY_VERSION_NOT_FOUND', { message: `Model package group '${group}' has no Approved version`, details: { group } });
    return newest;
  }

  /** Sets the approval status of `group@N`, recording who, when and why. */
  async setApproval(ref: string, status: ApprovalStatus, change: { by?: string; description?: string } = {}): Promise<ModelPackage> {
    checkStatus(status);
    const { group, version } = parsePackageRef(ref);
    if (version === null) throw new OrchardError('ORCH_REGISTRY_INVALID_NAME', { message: `Name the version to change: '${group}@N'`, details: { ref } });
    const current = toPackage(await this.store.packageRow(group, version));
    const history = [...current.approvalHistory, { status, by: change.by ?? null, at: new Date().toISOString(), description: change.description ?? null }];
    await this.store.setApproval(group, version, history);
    return toPackage(await this.store.packageRow(group, version));
  }

  /** Deletes one version (`group@N`), or an empty group (`group`). */
  async delete(ref: string): Promise<void> {
    const { group, version } = parsePackageRef(ref);
    if (version !== null) {
      await this.store.packageRow(group, version);
      await this.store.deletePackage(group, version);
      return;
    }
    const info = await this.store.group(group);
    if (info.versionCount > 0) {
      throw new OrchardError('ORCH_REGISTRY_GROUP_NOT_EMPTY', { message: `Model package group '${group}' has ${info.versionCount} versions; delete them first`, details: { group, versions: info.versionCount } });
    }
    await this.store.deleteGroup(group);
  }
}

function checkStatus(status: string): ApprovalStatus {
  if (!(APPROVAL_STATUSES as readonly string[]).includes(status)) {
    throw new OrchardError('ORCH_REGISTRY_INVALID', { message: `Approval status must be one of ${APPROVAL_STATUSES.join(', ')}`, details: { status } });
  }
  return status as ApprovalStatus;
}
