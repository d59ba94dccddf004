import { S3Client } from '@aws-sdk/client-s3';
import type { RunningServer } from './server.js';

/** An access key of the server's admin, and S3 clients signing with it. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** A path-style client of the `/s3` endpoint; `secretAccessKey` overrides the secret (a wrong one). */
  client(endpoint: string, overrides?: { secretAccessKey?: string }): S3Client;
}

/** Creates an access key through the API (`POST /api/v1/access-keys`) for `user` (default: the admin). */
export async function createAccessKey(server: RunningServer, user?: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const res = await fetch(`${server.url}/api/v1/access-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(user ? { user } : {}),
  });
  if (res.status !== 201) throw new Error(`creating an access key answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { accessKeyId: string; secretAccessKey: string };
}

/** An access key for the admin, and the SDK's S3 client configured as a user would point it at Orchard. */
export async function s3Credentials(server: RunningServer): Promise<S3Credentials> {
  const { accessKeyId, secretAccessKey } = await createAccessKey(server);
  return {
    accessKeyId,
    secretAccessKey,
    client(endpoint, overrides = {}) {
      return new S3Client({
        endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId, secretAccessKey: overrides.secretAccessKey ?? secretAccessKey },
        // A wrong signature is not worth retrying; keep failing tests quick.
        maxAttempts: 1,
      });
    },
  };
}
