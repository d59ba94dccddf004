import { ENDPOINT_CONFIG_KIND, ENDPOINT_KIND } from '../sagemaker/models-endpoints.js';
import type { SageMakerStore } from '../sagemaker/index.js';
import type { AsyncOutputConfig } from './async-invoker.js';

/**
 * The output locations an endpoint's config names (`AsyncInferenceConfig.OutputConfig`:
 * `S3OutputPath`, `S3FailurePath`), for an endpoint made by the control plane's
 * `CreateEndpoint`; undefined for others (their outputs go under the endpoint's folder).
 */
export function asyncOutputOf(store: SageMakerStore): (endpointName: string) => Promise<AsyncOutputConfig | undefined> {
  return async (endpointName) => {
    const endpoint = await store.get<{ EndpointConfigName?: string }>(ENDPOINT_KIND, endpointName);
    const configName = endpoint?.request.EndpointConfigName;
    if (!configName) return undefined;
    const config = await store.get<{ AsyncInferenceConfig?: { OutputConfig?: { S3OutputPath?: unknown; S3FailurePath?: unknown } } }>(ENDPOINT_CONFIG_KIND, configName);
    const output = config?.request.AsyncInferenceConfig?.OutputConfig;
    if (!output) return undefined;
    return {
      outputPath: typeof output.S3OutputPath === 'string' ? output.S3OutputPath : undefined,
      failurePath: typeof output.S3FailurePath === 'string' ? output.S3FailurePath : undefined,
    };
  };
}
