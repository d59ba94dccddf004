import type { ResolvedConfig } from '../core/index.js';
import { OrchardError } from '../core/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { SchemeRegistry } from './scheme-registry.js';

/** The part of the resolved configuration an artifact store needs. */
export type ArtifactStoreConfig = Pick<ResolvedConfig, 'artifactsUrl' | 's3Endpoint' | 's3Region'>;

/**
 * Artifact store backends by URL scheme. Each factory loads its module when called (the
 * S3 one imports the AWS SDK then), so listing a backend here costs nothing until a URL
 * selects it.
 */
const ARTIFACT_STORES = new SchemeRegistry<ArtifactStore, ArtifactStoreConfig>('artifacts')
  .register('file:', async (url) => (await import('./file-artifact-store.js')).createFileArtifactStore(url))
  // No credentials here: the SDK's default chain reads them (env, profile, instance role).
  .register('s3:', async (url, config) =>
    (await import('./s3-artifact-store.js')).createS3ArtifactStore(url, { endpoint: config.s3Endpoint, region: config.s3Region }),
  );

/**
 * Opens the artifact store named by `config.artifactsUrl`, choosing the backend by
 * URL scheme: `file:///abs/dir` (embedded default) or `s3://bucket/prefix`
 * (with `s3Endpoint` for S3-compatible servers).
 *
 * @throws OrchardError `ORCH_CONFIG_UNKNOWN_SCHEME` for any other scheme (the
 *   message lists the known ones), `ORCH_CONFIG_INVALID` for a malformed URL.
 *
 * @example
 * const artifacts = await openArtifactStore(resolveConfig(options));
 */
export async function openArtifactStore(config: ArtifactStoreConfig): Promise<ArtifactStore> {
  try {
    new URL(config.artifactsUrl);
  } catch (err) {
    // The URL itself is not echoed: it could carry credentials.
    throw new OrchardError('ORCH_CONFIG_INVALID', {
      message: 'The artifacts URL is not a valid URL (expected file:///abs/dir or s3://bucket/prefix)',
      cause: err,
    });
  }
  return ARTIFACT_STORES.open(config.artifactsUrl, config);
}
