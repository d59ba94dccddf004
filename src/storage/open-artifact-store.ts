import type { ResolvedConfig } from '../core/index.js';
import { OrchardError } from '../core/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { createFileArtifactStore } from './file-artifact-store.js';
import { createS3ArtifactStore } from './s3-artifact-store.js';

/** The part of the resolved configuration an artifact store needs. */
export type ArtifactStoreConfig = Pick<ResolvedConfig, 'artifactsUrl' | 's3Endpoint' | 's3Region'>;

type ArtifactStoreFactory = (url: string, config: ArtifactStoreConfig) => Promise<ArtifactStore>;

/**
 * Artifact store backends by URL scheme. Each factory loads its own optional
 * dependencies when called (the S3 one imports the AWS SDK then), so listing a
 * backend here costs nothing until a URL selects it.
 */
const FACTORIES: ReadonlyMap<string, ArtifactStoreFactory> = new Map<string, ArtifactStoreFactory>([
  ['file:', (url) => createFileArtifactStore(url)],
  // No credentials here: the SDK's default chain reads them (env, profile, instance role).
  ['s3:', (url, config) => createS3ArtifactStore(url, { endpoint: config.s3Endpoint, region: config.s3Region })],
]);

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
  let scheme: string;
  try {
    scheme = new URL(config.artifactsUrl).protocol;
  } catch (err) {
    // The URL itself is not echoed: it could carry credentials.
    throw new OrchardError('ORCH_CONFIG_INVALID', {
      message: 'The artifacts URL is not a valid URL (expected file:///abs/dir or s3://bucket/prefix)',
      cause: err,
    });
  }
  const factory = FACTORIES.get(scheme);
  if (!factory) {
    const known = [...FACTORIES.keys()];
    throw new OrchardError('ORCH_CONFIG_UNKNOWN_SCHEME', {
      message: `Unknown artifacts URL scheme '${scheme}'; known schemes: ${known.join(', ')}`,
      details: { scheme, known },
    });
  }
  return factory(config.artifactsUrl, config);
}
