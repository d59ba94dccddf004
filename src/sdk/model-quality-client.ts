import type {
  GroundTruthPutResult,
  ModelQualityBaselineRequest,
  ModelQualityBaselineResult,
  ModelQualityExecution,
  ModelQualityRunRequest,
  PutGroundTruthRequest,
} from '../contracts/index.js';
import type { HttpClient } from './http.js';

export type { ModelQualityBaselineRequest, ModelQualityRunRequest, PutGroundTruthRequest };

/**
 * Model Monitor's model quality: ground truth by inference id, evaluations of an
 * endpoint's captured predictions, baselines from a dataset.
 * @example
 * await orchard.modelQuality.putGroundTruth('churn', { records: [{ inferenceId: 'req-1', label: 1 }] });
 * const run = await orchard.modelQuality.run('churn', { problemType: 'BinaryClassification', since: new Date(Date.now() - 3600_000).toISOString() });
 * console.log(run.status, run.metrics.f1, run.violations);
 */
export class ModelQualityClient {
  constructor(private readonly http: HttpClient) {}

  putGroundTruth(endpoint: string, request: PutGroundTruthRequest): Promise<GroundTruthPutResult> {
    return this.http.request('POST', `/api/v1/endpoints/${encodeURIComponent(endpoint)}/ground-truth`, { body: request, long: true });
  }

  /** Evaluates now; the answer is the stored execution. */
  run(endpoint: string, request: ModelQualityRunRequest): Promise<ModelQualityExecution> {
    return this.http.request('POST', `/api/v1/endpoints/${encodeURIComponent(endpoint)}/model-quality/executions`, { body: request, long: true });
  }

  async executions(endpoint: string): Promise<ModelQualityExecution[]> {
    const list: { items: ModelQualityExecution[] } = await this.http.request('GET', `/api/v1/endpoints/${encodeURIComponent(endpoint)}/model-quality/executions`);
    return list.items;
  }

  execution(endpoint: string, id: string): Promise<ModelQualityExecution> {
    return this.http.request('GET', `/api/v1/endpoints/${encodeURIComponent(endpoint)}/model-quality/executions/${encodeURIComponent(id)}`);
  }

  baseline(request: ModelQualityBaselineRequest): Promise<ModelQualityBaselineResult> {
    return this.http.request('POST', '/api/v1/model-quality/baselines', { body: request, long: true });
  }
}
