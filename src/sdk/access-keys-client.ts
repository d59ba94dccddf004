import type { AccessKey, AccessKeyListQuery, AccessKeyStatus, CreateAccessKeyRequest, CreatedAccessKey } from '../contracts/index.js';
import type { HttpClient } from './http.js';

/**
 * AWS-style access keys: what boto3, the AWS SDKs and the AWS CLI sign requests with
 * (Signature Version 4) against Orchard's SageMaker API. A key acts as its user.
 * @example
 * const { accessKeyId, secretAccessKey } = await orchard.accessKeys.create();
 */
export class AccessKeysClient {
  constructor(private readonly http: HttpClient) {}

  /** Your keys; an admin may name a user or ask for all. */
  async list(options: AccessKeyListQuery = {}): Promise<AccessKey[]> {
    return (await this.http.request<{ items: AccessKey[] }>('GET', '/api/v1/access-keys', { query: options })).items;
  }

  /** Creates a key (for another user: admins); `secretAccessKey` is returned only this once. */
  async create(input: CreateAccessKeyRequest = {}): Promise<CreatedAccessKey> {
    return this.http.request('POST', '/api/v1/access-keys', { body: input });
  }

  async describe(accessKeyId: string): Promise<AccessKey> {
    return this.http.request('GET', `/api/v1/access-keys/${encodeURIComponent(accessKeyId)}`);
  }

  /** `Inactive` refuses the key's requests until it is `Active` again. */
  async setStatus(accessKeyId: string, status: AccessKeyStatus): Promise<AccessKey> {
    return this.http.request('PATCH', `/api/v1/access-keys/${encodeURIComponent(accessKeyId)}`, { body: { status } });
  }

  async disable(accessKeyId: string): Promise<AccessKey> {
    return this.setStatus(accessKeyId, 'Inactive');
  }

  async enable(accessKeyId: string): Promise<AccessKey> {
    return this.setStatus(accessKeyId, 'Active');
  }

  async delete(accessKeyId: string): Promise<void> {
    await this.http.request('DELETE', `/api/v1/access-keys/${encodeURIComponent(accessKeyId)}`);
  }
}
