import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ApprovalStatus, CreateModelRequest, Model, ModelFilter, ModelPackage, ModelPackageGroup } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { ResourceClient } from './resource-client.js';

export type { CreateModelRequest };

export interface CreateOnnxModelRequest {
  name: string;
  /** Path of the .onnx file to upload. */
  file: string;
  description?: string;
  onProgress?: (sent: number, total: number) => void;
}

/**
 * Models (SageMaker CreateModel): `create` from a completed training job (`fromJob`) or
 * an artifact (`artifactKey` + `algorithm`), `format: 'onnx'` storing the built-in's model
 * exported to ONNX; or `createFromOnnx` from an ONNX file.
 */
export class ModelsClient extends ResourceClient<Model, CreateModelRequest, ModelFilter> {
  constructor(http: HttpClient) {
    super(http, 'models');
  }

  /** Uploads an ONNX file; the server checks that onnxruntime can load it. */
  async createFromOnnx(input: CreateOnnxModelRequest): Promise<Model> {
    const query = input.description ? { description: input.description } : {};
    return this.http.upload('PUT', `${this.pathOf(input.name)}/onnx`, query, input.file, 'application/octet-stream', input.onProgress);
  }

  /**
   * Writes the model as an ONNX file to `file`: an ONNX model's own file, or a built-in's
   * model exported to ONNX by the server. Returns the bytes written.
   */
  async exportOnnx(name: string, file: string): Promise<{ file: string; sizeBytes: number }> {
    const body = await this.http.stream(`${this.pathOf(name)}/onnx`);
    await pipeline(body, fs.createWriteStream(file));
    return { file, sizeBytes: (await fs.promises.stat(file)).size };
  }

  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }
}

/** The model registry: groups with numbered, approvable versions. */
export class RegistryClient {
  constructor(private readonly http: HttpClient) {}

  /** Registers a model as the next version of `group` (created on first use). */
  async register(group: string, input: { model: string; approvalStatus?: ApprovalStatus; description?: string }): Promise<ModelPackage> {
    return this.http.request('POST', `${groupPath(group)}/versions`, { body: input });
  }

  async groups(): Promise<ModelPackageGroup[]> {
    return (await this.http.request<{ items: ModelPackageGroup[] }>('GET', '/api/v1/model-package-groups')).items;
  }

  async group(name: string): Promise<ModelPackageGroup> {
    return this.http.request('GET', groupPath(name));
  }

  /** Versions of a group, newest first. */
  async versions(group: string, filter: { approvalStatus?: ApprovalStatus } = {}): Promise<ModelPackage[]> {
    return (await this.http.request<{ items: ModelPackage[] }>('GET', `${groupPath(group)}/versions`, { query: { ...filter } })).items;
  }

  /** `group@N`, or `group` for its newest version. */
  async describe(ref: string): Promise<ModelPackage> {
    const { group, version } = splitRef(ref);
    return this.http.request('GET', `${groupPath(group)}/versions/${version ?? 'latest'}`);
  }

  async setApproval(ref: string, approvalStatus: ApprovalStatus, description?: string): Promise<ModelPackage> {
    const { group, version } = splitRef(ref);
    return this.http.request('PATCH', `${groupPath(group)}/versions/${version ?? 'latest'}`, { body: { approvalStatus, ...(description ? { description } : {}) } });
  }

  async approve(ref: string, description?: string): Promise<ModelPackage> {
    return this.setApproval(ref, 'Approved', description);
  }

  async reject(ref: string, description?: string): Promise<ModelPackage> {
    return this.setApproval(ref, 'Rejected', description);
  }

  /** Deletes `group@N`, or the empty group `group`. */
  async delete(ref: string): Promise<void> {
    const { group, version } = splitRef(ref);
    await this.http.request('DELETE', version === null ? groupPath(group) : `${groupPath(group)}/versions/${version}`);
  }
}

function groupPath(group: string): string {
  return `/api/v1/model-package-groups/${encodeURIComponent(group)}`;
}

/** `group@N` → parts; the server validates both (an unparsable version is sent as-is and refused there). */
function splitRef(ref: string): { group: string; version: string | null } {
  const at = ref.lastIndexOf('@');
  return at === -1 ? { group: ref, version: null } : { group: ref.slice(0, at), version: encodeURIComponent(ref.slice(at + 1)) };
}
