import fs from 'node:fs';
import { Option, type Command } from 'commander';
import type { Endpoint, EndpointStatus, VariantInput, VariantWeightInput } from '../../sdk/index.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };
const STATUSES: EndpointStatus[] = ['Creating', 'InService', 'Updating', 'Deleting', 'Failed'];

interface ConfigOptions extends Json {
  model?: string;
  variant?: string[];
  capturePercent?: number;
  maxConcurrency?: number;
  maxQueue?: number;
  wait?: boolean;
}

/** `name:model[:instances[:weight]]`, as `--variant` takes it. */
export function parseVariant(text: string): VariantInput {
  const [name, model, instances, weight, ...rest] = text.split(':');
  if (!name || !model || rest.length) throw new Error(`--variant must be name:model[:instances[:weight]], got '${text}'`);
  return { name, model, instances: instances ? wholeNumber(instances, '--variant instances') : undefined, weight: weight ? number(weight, '--variant weight') : undefined };
}

/** `name:weight[:instances]` (or `name::instances`), as set-weights takes it. */
export function parseWeight(text: string): VariantWeightInput {
  const [name, weight, instances, ...rest] = text.split(':');
  if (!name || rest.length || (!weight && !instances)) throw new Error(`--variant must be name:weight[:instances] or name::instances, got '${text}'`);
  return { name, weight: weight ? number(weight, '--variant weight') : undefined, instances: instances ? wholeNumber(instances, '--variant instances') : undefined };
}

function number(v: string, what: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${what} must be a number, got '${v}'`);
  return n;
}

function wholeNumber(v: string, what: string): number {
  const n = number(v, what);
  if (!Number.isInteger(n)) throw new Error(`${what} must be a whole number, got '${v}'`);
  return n;
}

function percent(v: string): number {
  return number(v, '--capture-percent');
}

function configOptions(cmd: Command): Command {
  return cmd
    .option('--model <name>', "one variant 'AllTraffic' serving this model on one instance")
    .option('--variant <name:model[:instances[:weight]]>', 'a production variant (repeatable); weights split traffic', collect)
    .option('--capture-percent <p>', 'capture this share of requests and responses to endpoints/<name>/capture/ (0-100)', percent)
    .option('--max-concurrency <n>', 'requests one instance works on at once (default 8)', positiveInt)
    .option('--max-queue <n>', 'requests waiting per instance before 429 (default 64)', positiveInt)
    .option('--wait', 'wait until the endpoint is in service; exit 1 if it fails')
    .option('--json', 'machine output');
}

/** `orchard endpoints …`: real-time endpoints (SageMaker's Deploy step). */
export function endpointsCommand(program: Command): void {
  const endpoints = program.command('endpoints').description('Real-time endpoints: deploy models behind /invocations, update, scale, invoke, delete');

  configOptions(endpoints.command('create <name>').description('Deploy a model (or production variants) to a new endpoint'))
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .action((name: string, opts: ConfigOptions & { tag?: string[] }) =>
      run(opts, async () => {
        const sdk = client().endpoints;
        const created = await sdk.create({
          name,
          model: opts.model,
          variants: opts.variant?.map(parseVariant),
          capturePercent: opts.capturePercent,
          maxConcurrency: opts.maxConcurrency,
          maxQueue: opts.maxQueue,
          tags: parseKeyValues(opts.tag, '--tag'),
        });
        await finish(created, opts, `Creating endpoint ${created.name}`);
      }),
    );

  configOptions(endpoints.command('update <name>').description('Roll out a new configuration: new instances start, take over once they answer /ping, old ones drain'))
    .action((name: string, opts: ConfigOptions) =>
      run(opts, async () => {
        const updated = await client().endpoints.update(name, {
          model: opts.model,
          variants: opts.variant?.map(parseVariant),
          capturePercent: opts.capturePercent,
          maxConcurrency: opts.maxConcurrency,
          maxQueue: opts.maxQueue,
        });
        await finish(updated, opts, `Updating endpoint ${updated.name}`);
      }),
    );

  endpoints
    .command('set-weights <name>')
    .description('Change variant weights and instance counts in place (UpdateEndpointWeightsAndCapacities)')
    .requiredOption('--variant <name:weight[:instances]>', "a variant's new weight and optionally instance count; name::n sets the count only (repeatable)", collect)
    .option('--wait', 'wait until the change is in service')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { variant: string[]; wait?: boolean }) =>
      run(opts, async () => {
        const updated = await client().endpoints.setWeights(name, opts.variant.map(parseWeight));
        await finish(updated, opts, `Updating endpoint ${updated.name}`);
      }),
    );

  endpoints
    .command('autoscale <name>')
    .description('Autoscale a variant on invocations per instance per minute (SageMakerVariantInvocationsPerInstance)')
    .requiredOption('--variant <name>', 'the variant')
    .option('--min <n>', 'fewest instances', positiveInt)
    .option('--max <n>', 'most instances', positiveInt)
    .option('--target <n>', 'invocations per instance per minute to aim for', (v) => number(v, '--target'))
    .option('--scale-in-cooldown <s>', 'seconds between scale-ins (default 300)', positiveInt)
    .option('--scale-out-cooldown <s>', 'seconds between scale-outs (default 60)', positiveInt)
    .option('--off', 'remove the policy (the instance count stays)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { variant: string; min?: number; max?: number; target?: number; scaleInCooldown?: number; scaleOutCooldown?: number; off?: boolean }) =>
      run(opts, async () => {
        const sdk = client().endpoints;
        let ep: Endpoint;
        if (opts.off) ep = await sdk.removeAutoscaling(name, opts.variant);
        else {
          if (opts.min === undefined || opts.max === undefined || opts.target === undefined) throw new Error('--min, --max and --target are required (or --off)');
          ep = await sdk.autoscale(name, { variant: opts.variant, minInstances: opts.min, maxInstances: opts.max, targetInvocationsPerInstance: opts.target, scaleInCooldownS: opts.scaleInCooldown, scaleOutCooldownS: opts.scaleOutCooldown });
        }
        emit(opts, ep, () => describeText(ep));
      }),
    );

  endpoints
    .command('describe <name>')
    .description('Status, variants (model, weights, instances, autoscaling) and invocation counters')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const ep = await client().endpoints.describe(name);
        emit(opts, ep, () => describeText(ep));
      }),
    );

  endpoints
    .command('list')
    .description('List endpoints, newest first')
    .addOption(new Option('--status <status>', 'only endpoints in this status').choices(STATUSES))
    .option('--name-contains <text>', 'only names containing this')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: EndpointStatus; nameContains?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().endpoints.list({ status: opts.status, nameContains: opts.nameContains, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No endpoints.'
            : table(
                ['name', 'status', 'variants', 'instances', 'invocations', 'created'],
                res.items.map((e) => [
                  e.name,
                  e.status,
                  e.variants.map((v) => `${v.name}:${v.model}`).join(' '),
                  e.variants.map((v) => `${v.currentInstances}/${v.desiredInstances}`).join(' '),
                  e.variants.reduce((s, v) => s + v.counters.invocations, 0),
                  e.createdAt,
                ]),
              ),
        );
      }),
    );

  endpoints
    .command('delete <name>')
    .description('Delete an endpoint: routing stops, requests in flight finish, model servers stop')
    .option('--wait', 'wait until it is gone')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { wait?: boolean }) =>
      run(opts, async () => {
        const sdk = client().endpoints;
        const ep = await sdk.delete(name);
        if (opts.wait) await sdk.waitForDeletion(name);
        emit(opts, opts.wait ? { name, deleted: true } : ep, () => (opts.wait ? `Deleted endpoint ${name}` : `Deleting endpoint ${name}`));
      }),
    );

  endpoints
    .command('invoke <name>')
    .description('Send one request (the body from --body, --file or standard input) and print the answer')
    .option('--body <text>', 'the request body')
    .option('--file <path>', 'read the request body from a file')
    .option('--content-type <type>', 'text/csv, application/json or application/jsonlines', 'text/csv')
    .option('--accept <type>', "the answer's type (default: the request's)")
    .option('--target-variant <name>', 'send to this variant whatever the weights')
    .option('--json', 'print { variant, contentType, body }')
    .action((name: string, opts: Json & { body?: string; file?: string; contentType: string; accept?: string; targetVariant?: string }) =>
      run(opts, async () => {
        const body = opts.body ?? (opts.file ? fs.readFileSync(opts.file) : fs.readFileSync(0));
        const res = await client().endpoints.invoke(name, { body, contentType: opts.contentType, accept: opts.accept, targetVariant: opts.targetVariant });
        if (opts.json) emit(opts, { variant: res.invokedVariant, contentType: res.contentType, body: res.text() }, () => '');
        else {
          process.stderr.write(`variant ${res.invokedVariant}\n`);
          process.stdout.write(res.text());
        }
      }),
    );
}

async function finish(ep: Endpoint, opts: Json & { wait?: boolean }, started: string): Promise<void> {
  if (!opts.wait) {
    emit(opts, ep, () => `${started} (${ep.status}); see 'orchard endpoints describe ${ep.name}'`);
    return;
  }
  let last = '';
  const done = await client().endpoints.waitFor(ep.name, {
    onUpdate: (e) => {
      const line = `${e.status} ${e.variants.map((v) => `${v.name} ${v.currentInstances}/${v.desiredInstances}`).join(', ')}`;
      if (!opts.json && line !== last) process.stderr.write(`${e.name}: ${line}\n`);
      last = line;
    },
  });
  emit(opts, done, () => describeText(done));
  if (done.status !== 'InService' || (ep.status === 'Updating' && done.failureReason)) exit.code = 1;
}

function describeText(e: Endpoint): string {
  const head = fields([
    ['name', e.name],
    ['status', e.status],
    ['failure', e.failureReason],
    ['data capture', e.dataCapture ? `${e.dataCapture.percent}% to ${e.dataCapture.destination}` : 'off'],
    ['limits', `${e.limits.maxConcurrency} at once and ${e.limits.maxQueue} queued per instance, ${e.limits.maxPayloadBytes / 1024 / 1024} MB, ${e.limits.invocationTimeoutMs / 1000} s`],
    ['created', `${e.createdAt} by ${e.createdBy ?? '-'}`],
    ['updated', e.updatedAt],
  ]);
  const variants = table(
    ['variant', 'model', 'weight', 'instances', 'autoscaling', 'invocations', 'last min', '4xx', '5xx', '429', 'model ms'],
    e.variants.map((v) => [
      v.name,
      v.model,
      v.currentWeight === v.desiredWeight ? v.desiredWeight : `${v.currentWeight} -> ${v.desiredWeight}`,
      `${v.currentInstances}/${v.desiredInstances}`,
      v.autoscaling ? `${v.autoscaling.minInstances}-${v.autoscaling.maxInstances} @ ${v.autoscaling.targetInvocationsPerInstance}/min` : '-',
      v.counters.invocations,
      v.counters.lastMinute,
      v.counters.clientErrors,
      v.counters.serverErrors,
      v.counters.throttled,
      v.counters.modelLatencyMs,
    ]),
  );
  const instances = e.variants.flatMap((v) => v.instances.map((i) => [v.name, i.id, i.status, i.pid, i.port, i.restarts, i.inFlight, i.queued]));
  return [head, variants, instances.length ? table(['variant', 'instance', 'status', 'pid', 'port', 'restarts', 'in flight', 'queued'], instances) : ''].filter(Boolean).join('\n');
}
