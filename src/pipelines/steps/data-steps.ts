/** `sql`: a SELECT's result as the next version of a dataset (Athena's CTAS). */
import type { StepRunner } from '../engine/step-runner.js';
import { stepTags, unlessMissing, type PipelinePorts } from './ports.js';

interface SqlInputs {
  query: string;
  output: string;
  description?: string;
}

export const sqlStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const inputs = ctx.inputs as unknown as SqlInputs;
    // Re-entered after a crash: the version this step registered carries its resource tag.
    const versions = (await unlessMissing(ports.datasets.versions(inputs.output), 'ORCH_DATASET_NOT_FOUND')) ?? [];
    let version = versions.find((v) => v.tags['orchard:pipeline-step'] === ctx.resource);
    version ??= await ports.datasets.createFromQuery({ name: inputs.output, sql: inputs.query, description: inputs.description, tags: stepTags(ctx), createdBy: ctx.createdBy ?? undefined });
    return { status: 'done', outputs: { dataset: `${version.name}@${version.version}`, datasetName: version.name, version: version.version, rows: version.rowCount } };
  },
};
