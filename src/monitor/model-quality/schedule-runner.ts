/**
 * Model quality on the monitor's schedules: the `ModelQualityRunner` a `model-quality`
 * monitoring execution calls. It reads the schedule's constraints from the artifact store,
 * evaluates the execution's window, writes `statistics.json` and
 * `constraint_violations.json` under the execution's folder and records the metrics
 * (namespace `monitor`, `{schedule, endpoint}`). A window without merged ground truth is
 * an error naming why (the execution fails with it).
 */
import { OrchardError } from '../../core/index.js';
import type { MetricsPort } from '../../metrics/types.js';
import type { ArtifactStore } from '../../storage/index.js';
import type { ModelQualityRunner } from '../worker.js';
import { runModelQuality } from './runner.js';

export function modelQualityScheduleRunner(deps: { artifacts: ArtifactStore; metrics?: Pick<MetricsPort, 'put'> }): ModelQualityRunner {
  return {
    async run(input) {
      const { config } = input;
      let constraints: unknown;
      if (config.constraints) {
        try {
          constraints = JSON.parse(await text(deps.artifacts, config.constraints));
        } catch (err) {
          throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: `The constraints '${config.constraints}' are not readable JSON`, cause: err });
        }
      }
      const result = await runModelQuality(deps.artifacts, {
        endpoint: input.endpoint,
        problemType: config.problemType,
        inferenceAttribute: config.inferenceAttribute,
        probabilityAttribute: config.probabilityAttribute,
        probabilityThreshold: config.probabilityThreshold,
        since: input.since === null ? undefined : Date.parse(input.since),
        until: Date.parse(input.until),
        constraints,
      });
      if (result.status === 'Failed') throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: result.failureReason });
      const statisticsKey = `${input.outputPrefix}statistics.json`;
      const violationsKey = `${input.outputPrefix}constraint_violations.json`;
      await deps.artifacts.put(statisticsKey, JSON.stringify(result.statistics, null, 1));
      await deps.artifacts.put(violationsKey, JSON.stringify({ violations: result.violations }, null, 2));
      if (deps.metrics) {
        const minute = Math.floor(Date.parse(input.until) / 60_000) * 60_000;
        const dimensions = { schedule: input.schedule, endpoint: input.endpoint };
        await deps.metrics.put(Object.entries(result.metrics).map(([metric, v]) => ({ namespace: 'monitor' as const, metric, dimensions, minute, count: 1, sum: v, min: v, max: v })));
      }
      return {
        // The schedule's violations name the metric where data quality names a feature.
        violations: result.violations.map((v) => ({ feature_name: v.metric_name, metric_name: v.metric_name, constraint_check_type: v.constraint_check_type, description: v.description })),
        metrics: result.metrics,
        items: result.matched - result.skipped,
        statisticsKey,
        violationsKey,
      };
    },
  };
}

async function text(artifacts: ArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await artifacts.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
