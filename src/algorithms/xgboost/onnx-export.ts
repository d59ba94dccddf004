/**
 * xgboost model.json -> ONNX: the trees as an ai.onnx.ml tree ensemble. Splits are
 * `x < threshold` (BRANCH_LT) to the left child; a missing value (NaN) follows the
 * branch the tree learned for it (`nodes_missing_value_tracks_true` = defaultLeft).
 * Objectives map to the same outputs the native predictor gives:
 * - reg:squarederror: TreeEnsembleRegressor -> predictions [N, 1]
 * - binary:logistic, reg:logistic: TreeEnsembleRegressor, then Sigmoid -> [N, 1]
 * - count:poisson: TreeEnsembleRegressor, then Exp -> [N, 1]
 * - multi:softprob: TreeEnsembleClassifier with SOFTMAX -> label (int64 [N]), probabilities [N, K]
 * - multi:softmax: TreeEnsembleRegressor (K targets), ArgMax, Cast -> predicted class id [N]
 */
import { DataType, ML_DOMAIN, INPUT, invalid, type GraphSpec, type NodeSpec, type ExportedGraph } from '../onnx-builder/index.js';

interface XgbTree {
  feature: number[];
  threshold: (number | null)[];
  defaultLeft: number[];
  left: number[];
  right: number[];
  value: number[];
}

const OBJECTIVES = ['reg:squarederror', 'binary:logistic', 'reg:logistic', 'count:poisson', 'multi:softprob', 'multi:softmax'] as const;
type Objective = (typeof OBJECTIVES)[number];

/** Node and leaf attributes of every tree, in the ai.onnx.ml layout (one entry per node). */
function flattenTrees(trees: XgbTree[], treeClass: number[], numFeatures: number) {
  const n = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], modes: [] as string[], values: [] as number[], trueids: [] as number[], falseids: [] as number[], missingTrue: [] as number[] };
  const leaf = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] };
  trees.forEach((t, i) => {
    const size = t.feature?.length ?? 0;
    for (const key of ['threshold', 'defaultLeft', 'left', 'right', 'value'] as const) {
      if (!Array.isArray(t[key]) || t[key].length !== size) invalid(`xgboost tree ${i}: ${key} missing or of the wrong length`);
    }
    if (size === 0) invalid(`xgboost tree ${i} has no nodes`);
    for (let j = 0; j < size; j++) {
      const f = t.feature[j];
      n.treeids.push(i);
      n.nodeids.push(j);
      if (f >= 0) {
        if (f >= numFeatures || !(t.left[j] > j && t.left[j] < size && t.right[j] > j && t.right[j] < size)) invalid(`xgboost tree ${i} node ${j} is malformed`);
        n.featureids.push(f);
        n.modes.push('BRANCH_LT');
        // null in model.json is a split at +Infinity (every finite value goes left).
        n.values.push(t.threshold[j] ?? Infinity);
        n.trueids.push(t.left[j]);
        n.falseids.push(t.right[j]);
        n.missingTrue.push(t.defaultLeft[j] ? 1 : 0);
      } else {
        n.featureids.push(0);
        n.modes.push('LEAF');
        n.values.push(0);
        n.trueids.push(0);
        n.falseids.push(0);
        n.missingTrue.push(0);
        leaf.treeids.push(i);
        leaf.nodeids.push(j);
        leaf.ids.push(treeClass[i]);
        leaf.weights.push(t.value[j]);
      }
    }
  });
  return { n, leaf };
}

export function exportXgboost(doc: Record<string, unknown>): ExportedGraph {
  const objective = doc.objective as Objective;
  if (!OBJECTIVES.includes(objective)) invalid(`xgboost objective ${String(objective)} cannot be exported to ONNX`);
  const F = Number(doc.numFeatures);
  const numClass = Number(doc.numClass);
  const base = Number(doc.baseMargin);
  const trees = doc.trees as XgbTree[];
  const treeClass = doc.treeClass as number[];
  if (!(Number.isInteger(F) && F > 0) || !(numClass >= 1) || !Number.isFinite(base)) invalid('xgboost model lacks numFeatures, numClass or baseMargin');
  if (!Array.isArray(trees) || !Array.isArray(treeClass) || trees.length !== treeClass.length || trees.length === 0) invalid('xgboost model trees and treeClass are missing or differ in length');
  const K = numClass > 1 ? numClass : 1;
  if (treeClass.some((k) => !(Number.isInteger(k) && k >= 0 && k < K))) invalid('xgboost model has a tree for a class out of range');
  const { n, leaf } = flattenTrees(trees, treeClass, F);
  const nodeAttributes = {
    nodes_treeids: { ints: n.treeids },
    nodes_nodeids: { ints: n.nodeids },
    nodes_featureids: { ints: n.featureids },
    nodes_modes: { strings: n.modes },
    nodes_values: { floats: n.values },
    nodes_truenodeids: { ints: n.trueids },
    nodes_falsenodeids: { ints: n.falseids },
    nodes_missing_value_tracks_true: { ints: n.missingTrue },
  };
  const baseValues = { floats: new Array<number>(K).fill(base) };
  const regressor = (output: string, postTransform: string): NodeSpec => ({
    op: 'TreeEnsembleRegressor',
    domain: ML_DOMAIN,
    inputs: [INPUT],
    outputs: [output],
    attributes: {
      ...nodeAttributes,
      n_targets: K,
      aggregate_function: 'SUM',
      post_transform: postTransform,
      base_values: baseValues,
      target_treeids: { ints: leaf.treeids },
      target_nodeids: { ints: leaf.nodeids },
      target_ids: { ints: leaf.ids },
      target_weights: { floats: leaf.weights },
    },
  });
  const graph: Pick<GraphSpec, 'nodes' | 'outputs' | 'initializers'> = { nodes: [], outputs: [], initializers: [] };
  switch (objective) {
    case 'reg:squarederror':
      graph.nodes.push(regressor('predictions', 'NONE'));
      graph.outputs.push({ name: 'predictions', elemType: DataType.FLOAT, shape: ['N', 1] });
      break;
    case 'binary:logistic':
    case 'reg:logistic':
      // The sigmoid as its own op: onnxruntime's TreeEnsembleRegressor leaves post_transform LOGISTIC unapplied.
      graph.nodes.push(regressor('margin', 'NONE'), { op: 'Sigmoid', inputs: ['margin'], outputs: ['predictions'] });
      graph.outputs.push({ name: 'predictions', elemType: DataType.FLOAT, shape: ['N', 1] });
      break;
    case 'count:poisson':
      graph.nodes.push(regressor('margin', 'NONE'), { op: 'Exp', inputs: ['margin'], outputs: ['predictions'] });
      graph.outputs.push({ name: 'predictions', elemType: DataType.FLOAT, shape: ['N', 1] });
      break;
    case 'multi:softmax':
      graph.nodes.push(
        regressor('margins', 'NONE'),
        { op: 'ArgMax', inputs: ['margins'], outputs: ['class_id'], attributes: { axis: 1, keepdims: 0 } },
        { op: 'Cast', inputs: ['class_id'], outputs: ['predictions'], attributes: { to: DataType.FLOAT } },
      );
      graph.outputs.push({ name: 'predictions', elemType: DataType.FLOAT, shape: ['N'] });
      break;
    case 'multi:softprob':
      graph.nodes.push({
        op: 'TreeEnsembleClassifier',
        domain: ML_DOMAIN,
        inputs: [INPUT],
        outputs: ['label', 'probabilities'],
        attributes: {
          ...nodeAttributes,
          classlabels_int64s: { ints: Array.from({ length: K }, (_, k) => k) },
          post_transform: 'SOFTMAX',
          base_values: baseValues,
          class_treeids: { ints: leaf.treeids },
          class_nodeids: { ints: leaf.nodeids },
          class_ids: { ints: leaf.ids },
          class_weights: { floats: leaf.weights },
        },
      });
      graph.outputs.push({ name: 'label', elemType: DataType.INT64, shape: ['N'] }, { name: 'probabilities', elemType: DataType.FLOAT, shape: ['N', K] });
      break;
  }
  return { ...graph, numFeatures: F, usesMl: true, metadata: { objective, num_class: String(numClass) } };
}
