/**
 * Writes an Orchard xgboost model (binary:logistic or reg:squarederror) as an XGBoost 1.7
 * JSON model, tree for tree, so that the peer serves exactly the same trees. Both go left
 * when `x < threshold` and follow `defaultLeft` for a missing value; leaf values already
 * carry the learning rate; Orchard's base margin becomes XGBoost's base_score (a
 * probability for the logistic objective).
 */
interface OrchardTree {
  feature: number[];
  threshold: Array<number | null>;
  defaultLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  gain: number[];
  cover: number[];
}

interface OrchardModel {
  objective: string;
  numClass: number;
  numFeatures: number;
  baseMargin: number;
  trees: OrchardTree[];
  treeClass: number[];
}

/** XGBoost's JSON reader wants floats written as floats (`0.0`, not `0`). */
const FLOAT = '\u0000F';
const floats = (a: number[]): string => FLOAT + a.map((v) => (/[.eE]/.test(String(v)) ? String(v) : `${v}.0`)).join(',') + FLOAT;

/** The XGBoost JSON text of an Orchard model. */
export function toXgboostJsonText(model: OrchardModel): string {
  return JSON.stringify(toXgboostJson(model)).replace(/"\\u0000F([^"]*)\\u0000F"/g, '[$1]');
}

function toXgboostJson(model: OrchardModel): unknown {
  if (model.numClass > 1) throw new Error('only single-output models are exported');
  const objective = model.objective;
  const baseScore = objective === 'binary:logistic' ? 1 / (1 + Math.exp(-model.baseMargin)) : model.baseMargin;
  const F = String(model.numFeatures);
  const trees = model.trees.map((t, id) => {
    const n = t.feature.length;
    const parents = new Array<number>(n).fill(2147483647);
    for (let j = 0; j < n; j++) {
      if (t.feature[j] >= 0) {
        parents[t.left[j]] = j;
        parents[t.right[j]] = j;
      }
    }
    const leaf = (j: number) => t.feature[j] < 0;
    return {
      base_weights: floats(t.value),
      categories: [],
      categories_nodes: [],
      categories_segments: [],
      categories_sizes: [],
      default_left: t.defaultLeft.map((d, j) => (leaf(j) ? 0 : d ? 1 : 0)),
      id,
      left_children: t.left.map((c, j) => (leaf(j) ? -1 : c)),
      loss_changes: floats(t.gain.map((g, j) => (leaf(j) ? 0 : g))),
      parents,
      right_children: t.right.map((c, j) => (leaf(j) ? -1 : c)),
      split_conditions: floats(t.threshold.map((th, j) => (leaf(j) ? t.value[j] : (th ?? 3.4e38)))),
      split_indices: t.feature.map((f) => (f < 0 ? 0 : f)),
      split_type: new Array<number>(n).fill(0),
      sum_hessian: floats(t.cover),
      tree_param: { num_deleted: '0', num_feature: F, num_nodes: String(n), size_leaf_vector: '0' },
    };
  });
  return {
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length), size_leaf_vector: '0' },
          tree_info: model.treeClass,
          trees,
        },
        name: 'gbtree',
      },
      learner_model_param: { base_score: baseScore.toPrecision(9), boost_from_average: '0', num_class: '0', num_feature: F, num_target: '1' },
      objective: objective === 'binary:logistic' ? { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } } : { name: 'reg:squarederror', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 4],
  };
}
