/**
 * A typed builder of pipeline definitions: what `orchard pipelines create --file` and the
 * pipelines API take, written in TypeScript. Each step object is typed by its `type`
 * (the contract's fields for that step type, with an expression allowed where the
 * language allows one), so a misspelt field fails to compile. The server checks the
 * rest (references, types of outputs, cycles) when the definition is stored.
 *
 * @example
 * const def = pipeline('churn')
 *   .parameter('rounds', { type: 'integer', default: 20 })
 *   .step({ name: 'prep', type: 'sql', query: 'select * from raw', output: 'prepared' })
 *   .step({ name: 'train', type: 'training', algorithm: 'xgboost', train: get('Steps.prep.dataset'),
 *           hyperParameters: { num_round: get('Parameters.rounds') } })
 *   .toJSON();
 */
import type {
  Condition,
  GetExpression,
  JoinExpression,
  PipelineDefinitionInput,
  PipelineParameterSpec,
  StepDef,
} from '../contracts/pipeline-definition.contract.js';

/** What a `Get` may read. */
export type GetPath =
  | `Parameters.${string}`
  | `Steps.${string}`
  | `Execution.${'id' | 'pipeline' | 'version' | 'startTime'}`
  | 'Item'
  | `Item.${string}`
  | 'Index';

/** `{"Get": path}`: a parameter, a step or one of its outputs, the execution, the for-each item. */
export function get<P extends GetPath>(path: P): GetExpression & { Get: P } {
  return { Get: path };
}

/** `{"Join": {"on", "values"}}`: the values as text, joined by `on` (a list joins its items). */
export function join(on: string, values: unknown[]): JoinExpression {
  return { Join: { on, values } };
}

/** Conditions, for a condition step's `if`. */
export const when = {
  gte: (a: unknown, b: unknown): Condition => ({ '>=': [a, b] }),
  gt: (a: unknown, b: unknown): Condition => ({ '>': [a, b] }),
  lt: (a: unknown, b: unknown): Condition => ({ '<': [a, b] }),
  lte: (a: unknown, b: unknown): Condition => ({ '<=': [a, b] }),
  eq: (a: unknown, b: unknown): Condition => ({ '==': [a, b] }),
  ne: (a: unknown, b: unknown): Condition => ({ '!=': [a, b] }),
  in: (a: unknown, list: unknown): Condition => ({ in: [a, list] }),
  and: (...all: Condition[]): Condition => ({ and: all }),
  or: (...any: Condition[]): Condition => ({ or: any }),
  not: (c: Condition): Condition => ({ not: c }),
};

/** Names of the steps in a list, nested bodies included. */
function namesOf(steps: readonly StepDef[]): string[] {
  return steps.flatMap((s) => [s.name, ...(s.type === 'parallel' ? s.branches.flatMap(namesOf) : s.type === 'for-each' ? namesOf(s.steps) : [])]);
}

export class PipelineBuilder {
  private readonly parameters: Record<string, PipelineParameterSpec> = {};
  private readonly steps: StepDef[] = [];
  private text: string | undefined;

  /** @param name the pipeline's name (given to the API beside the definition; not part of it). */
  constructor(readonly name: string) {}

  description(text: string): this {
    this.text = text;
    return this;
  }

  /** A typed parameter; one without a default must be given at start. */
  parameter(name: string, spec: PipelineParameterSpec): this {
    if (Object.hasOwn(this.parameters, name)) throw new Error(`pipeline ${this.name}: the parameter '${name}' is declared twice`);
    this.parameters[name] = spec;
    return this;
  }

  /** The next step (steps run by their references and dependsOn, not by the order written). */
  step(step: StepDef): this {
    const taken = new Set(namesOf(this.steps));
    const twice = namesOf([step]).find((n) => taken.has(n));
    if (twice) throw new Error(`pipeline ${this.name}: the step name '${twice}' is used twice`);
    this.steps.push(step);
    return this;
  }

  /** The definition as the API takes it (also what `JSON.stringify(builder)` writes). */
  toJSON(): PipelineDefinitionInput {
    return structuredClone({
      schemaVersion: 1,
      ...(this.text === undefined ? {} : { description: this.text }),
      parameters: this.parameters,
      steps: this.steps,
    });
  }
}

/** Starts a pipeline definition. */
export function pipeline(name: string): PipelineBuilder {
  return new PipelineBuilder(name);
}
