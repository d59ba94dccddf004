/** What every exporter shares: the input's name, the error for an unreadable model, the result shape, a graph builder. */
import { OrchardError } from '../../core/errors.js';
import { doubleTensor, floatTensor, int64Tensor, type AttributeValue, type GraphSpec, type NodeSpec, type Tensor, type ValueSpec } from './onnx-proto.js';

/** The input of a graph over rows of numbers: one float tensor `features` of shape [N, numFeatures] (NaN = missing). */
export const INPUT = 'features';

/** The part of a graph an exporter decides; the model header is common. */
interface GraphBody extends Pick<GraphSpec, 'nodes' | 'outputs' | 'initializers' | 'usesMl'> {
  metadata: Record<string, string>;
}

/**
 * An exporter's graph. Most read rows of numbers and give `numFeatures`: the input is then
 * `features` [N, numFeatures] float, the one Orchard serves. A graph over something else
 * (token ids, say) names its `inputs` itself; such a model exports, but is not served
 * through the float-features rule (`src/onnx/onnx-runtime.ts` refuses it).
 */
export type ExportedGraph = GraphBody & ({ numFeatures: number; inputs?: never } | { inputs: ValueSpec[]; numFeatures?: never });

export function invalid(message: string): never {
  throw new OrchardError('ORCH_MODEL_INVALID', { message });
}

/** True when `a` is an array of `n` finite numbers. */
export function finiteArray(a: unknown, n: number): a is number[] {
  return Array.isArray(a) && a.length === n && a.every(Number.isFinite);
}

/** A positive integer field of model.json, or ORCH_MODEL_INVALID naming it. */
export function positiveInt(doc: Record<string, unknown>, field: string, label: string): number {
  const v = doc[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) invalid(`${label} model has a bad ${field}`);
  return v;
}

/**
 * Nodes and initializers of a graph being built, for exporters whose graphs are long
 * (networks over token ids): `op` adds a node and answers its output's name, fresh unless
 * given, so a graph reads as the expressions it computes.
 */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: Tensor[] = [];
  private count = 0;

  /** `prefix` starts every fresh name: a subgraph's builder gets one, so its names never meet the outer graph's. */
  constructor(private readonly prefix = '') {}

  /** A fresh value name (`<prefix><hint>_<n>`). */
  name(hint: string): string {
    return `${this.prefix}${hint}_${this.count++}`;
  }

  /** Adds a node with one output (`out`, or a fresh name after the op); answers the output. */
  op(op: string, inputs: string[], attributes?: Record<string, AttributeValue>, out?: string): string {
    const output = out ?? this.name(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  }

  /** Adds a node with several outputs. */
  opMany(op: string, inputs: string[], outputs: string[], attributes?: Record<string, AttributeValue>): string[] {
    this.nodes.push({ op, inputs, outputs, ...(attributes ? { attributes } : {}) });
    return outputs;
  }

  /** Whether an initializer is named `name` (for constants added on first use). */
  has(name: string): boolean {
    return this.initializers.some((t) => t.name === name);
  }

  /** A float32 initializer; answers its name. */
  float(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  /** An int64 initializer; answers its name. */
  int64(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push(int64Tensor(name, dims, values));
    return name;
  }

  /** A double initializer; answers its name. */
  double(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push(doubleTensor(name, dims, values));
    return name;
  }
}
