import { can, type Principal } from '../../auth/index.js';
import { DEFAULT_S3_API_BUCKET } from '../s3-uri.js';
import { Fields } from './fields.js';
import type { Operation, OperationContext, SageMakerDeps } from './operation.js';
import { SageMakerError } from './sagemaker-error.js';

/** SageMaker lower-cases resource names in ARNs. */
const ARN_ACCOUNT = '000000000000';

/** Operations keyed by name, from the areas' lists; a name declared twice throws. */
export function operationTable(...areas: ReadonlyArray<readonly Operation<unknown>[]>): ReadonlyMap<string, Operation<unknown>> {
  const table = new Map<string, Operation<unknown>>();
  for (const op of areas.flat()) {
    if (table.has(op.name)) throw new Error(`SageMaker operation ${op.name} is declared twice`);
    table.set(op.name, op);
  }
  return table;
}

/** The operation an `X-Amz-Target` names (`SageMaker.CreateTrainingJob`), or an `UnknownOperationException`. */
export function operationOf(table: ReadonlyMap<string, Operation<unknown>>, target: string | undefined): Operation<unknown> {
  const match = /^SageMaker\.([A-Za-z0-9]+)$/.exec(target ?? '');
  const op = match ? table.get(match[1]) : undefined;
  if (!op) throw new SageMakerError('UnknownOperationException', target ? `Operation ${target.slice(0, 120)} is not supported by this server` : 'Missing X-Amz-Target header');
  return op;
}

/** Builds an operation's context for one caller in one region. */
export function operationContext(deps: SageMakerDeps, principal: Principal, region: string): OperationContext {
  const account = deps.accountId ?? ARN_ACCOUNT;
  return {
    deps,
    principal,
    region,
    bucket: deps.bucket ?? DEFAULT_S3_API_BUCKET,
    arn: (type, name) => `arn:aws:sagemaker:${region}:${account}:${type}/${name.toLowerCase()}`,
  };
}

/** Checks the caller's role, reads the input (every problem at once) and runs the operation. */
export async function runOperation(op: Operation<unknown>, body: unknown, ctx: OperationContext): Promise<Record<string, unknown>> {
  if (!can(ctx.principal.user.role, op.permission)) {
    throw new SageMakerError('AccessDeniedException', `User: ${ctx.principal.user.name} is not authorized to perform: sagemaker:${op.name} (role '${ctx.principal.user.role}' lacks '${op.permission}')`);
  }
  const fields = Fields.of(body);
  const input = op.input(fields, (body ?? {}) as Record<string, unknown>);
  fields.done();
  return op.run(input, ctx);
}
