import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';

/** CI/CD for models: approving a registry version starts the deploy pipeline, which puts it on an endpoint. */
const DEPLOY = [
  'parameters:',
  '  model: {type: string}',
  '  package: {type: string}',
  'steps:',
  '  - name: deploy',
  '    type: endpoint',
  '    endpoint: churn-live',
  '    model: {Get: Parameters.model}',
  '  - name: done',
  '    type: pass',
  '    output: {deployed: {Get: Parameters.package}, endpoint: {Get: Steps.deploy.endpoint}}',
  '',
].join('\n');

describe('a registry approval deploys through a pipeline (SQLite + file)', () => {
  const suite = cliSuite(backends[0], { prefix: 'orchard-cicd-', env: { ORCHARD_PIPELINE_POLL_MS: '200' } });
  let admin: { url: string; token: string };

  async function ok(args: string[]) {
    const res = await cli([...args, '--json'], admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  beforeAll(async () => {
    admin = suite.admin;
    await ok(['datasets', 'create', 'raw', '--file', writeClassificationCsv(path.join(suite.dir, 'raw.csv'), 300, 9)]);
    await ok(['train', '--name', 'base', '--algorithm', 'xgboost', '--train', 'raw', '--hp', 'objective=binary:logistic', '--hp', 'num_round=5', '--wait']);
    await ok(['models', 'create', 'churn-m1', '--from-job', 'base']);
    await ok(['registry', 'register', 'churn', '--model', 'churn-m1']);
    fs.writeFileSync(path.join(suite.dir, 'deploy.yaml'), DEPLOY);
    await ok(['pipelines', 'create', 'deploy', '--file', path.join(suite.dir, 'deploy.yaml')]);
  });

  it('approve churn@1 → the deploy pipeline runs → the endpoint serves that model', async () => {
    await ok(['triggers', 'create', 'on-approval', '--pipeline', 'deploy', '--kind', 'registry', '--group', 'churn', '--map', 'model=model', '--map', 'package=package']);
    // Nothing is approved yet: no execution.
    expect((await ok(['pipelines', 'executions', '--pipeline', 'deploy'])).total).toBe(0);
    await ok(['registry', 'approve', 'churn@1']);
    let execution: { id: string; status: string; trigger: Record<string, unknown>; parameters: Record<string, unknown>; steps: Array<{ name: string; outputs: Record<string, unknown> }> } | undefined;
    // Polled through the SDK: one request per poll, not an `orchard` process (the command is asserted above).
    for (let i = 0; i < 900 && !(execution && ['Succeeded', 'Failed', 'Stopped'].includes(execution.status)); i++) {
      const list = await new Orchard(admin).pipelines.executions({ pipeline: 'deploy' });
      execution = list.items[0] as unknown as typeof execution;
      if (!execution) await new Promise((r) => setTimeout(r, 200));
      else if (!['Succeeded', 'Failed', 'Stopped'].includes(execution.status)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(execution?.status, JSON.stringify(execution)).toBe('Succeeded');
    expect(execution!.parameters).toEqual({ model: 'churn-m1', package: 'churn@1' });
    expect(execution!.trigger).toMatchObject({ kind: 'registry', name: 'on-approval' });
    expect(execution!.steps.find((s) => s.name === 'done')!.outputs).toEqual({ output: { deployed: 'churn@1', endpoint: 'churn-live' } });
    const endpoint = await ok(['endpoints', 'describe', 'churn-live']);
    expect(endpoint.status).toBe('InService');
    const answer = await ok(['endpoints', 'invoke', 'churn-live', '--body', '0.5,-1.2,0.3,1.1']);
    const p = Number(String(answer.body).trim());
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    // One approval, one execution.
    expect((await ok(['pipelines', 'executions', '--pipeline', 'deploy'])).total).toBe(1);
  });
});
