/**
 * k-NN model (model.json + index.bin) -> ONNX: a brute-force exact search, in float64.
 * `features` [N, F] -> the projection as a MatMul (sign and FJLT alike, materialised as
 * the F × d matrix they apply) -> unit rows for COSINE -> a score per stored row, smallest
 * nearest (L2: ‖x‖² − 2 q·x, the query's own ‖q‖² ranking nothing; INNER_PRODUCT and
 * COSINE: −q·x) -> TopK of min(k, rows) smallest -> the neighbours' labels -> regressor:
 * their mean; classifier: their most common label, a tie going to the label whose last
 * vote comes first, as the native predictor's running count breaks it (score per class
 * count·(k+1) − last rank, then ArgMax). Outputs `predicted_label` [N, 1] (what the
 * predictor gives per row), then `distances` [N, k] (L2: squared Euclidean; otherwise the
 * similarity) and `labels` [N, k] of the neighbours, nearest first, as verbose answers list them.
 * faiss.IVFFlat models keep their rows and export as the exact search over them: the
 * answers are the exact search's, which may differ from the inverted lists' in the rare
 * cases where a true neighbour lies outside the probed lists. faiss.IVFPQ models keep only
 * codes and are refused. The predictor refuses rows with missing values; the graph does
 * not check them and a NaN gives an undefined neighbour order.
 */
import { OrchardError } from '../../core/errors.js';
import { DataType, doubleTensor, int64Tensor, INPUT, type ExportedGraph, type NodeSpec, type Tensor } from '../onnx-builder/index.js';
import { project } from './knn-index.js';
import { readKnn } from './knn-model.js';

export async function exportKnn(modelDir: string): Promise<ExportedGraph> {
  const { artifact: a, index } = await readKnn(modelDir);
  if (index.kind === 'ivfpq') {
    throw new OrchardError('ORCH_MODEL_EXPORT_UNSUPPORTED', {
      message: 'k-NN models indexed with faiss.IVFPQ cannot be exported to ONNX: they keep product-quantised codes, not their rows (faiss.Flat and faiss.IVFFlat models export as an exact search)',
      details: { algorithm: 'knn', index_type: 'faiss.IVFPQ' },
    });
  }
  const { d, rows } = index;
  const F = a.featureDim;
  const kk = Math.min(a.k, rows);
  const nodes: NodeSpec[] = [{ op: 'Cast', inputs: [INPUT], outputs: ['x'], attributes: { to: DataType.DOUBLE } }];
  const initializers: Tensor[] = [doubleTensor('zero', [], [0]), doubleTensor('one', [], [1]), int64Tensor('axis1', [1], [1]), int64Tensor('topk', [1], [kk])];
  let q = 'x';
  if (index.projection) {
    // The projection is linear: the images of the unit vectors are its matrix's rows.
    const eye = new Float32Array(F * F);
    for (let j = 0; j < F; j++) eye[j * F + j] = 1;
    initializers.push(doubleTensor('projection', [F, d], project(index.projection, eye, F)));
    nodes.push({ op: 'MatMul', inputs: ['x', 'projection'], outputs: ['q_projected'] });
    q = 'q_projected';
  }
  if (index.metric === 'COSINE') {
    nodes.push(
      { op: 'Mul', inputs: [q, q], outputs: ['q_sq'] },
      { op: 'ReduceSum', inputs: ['q_sq', 'axis1'], outputs: ['q_norm_sq'], attributes: { keepdims: 1 } },
      { op: 'Sqrt', inputs: ['q_norm_sq'], outputs: ['q_norm'] },
      { op: 'Greater', inputs: ['q_norm', 'zero'], outputs: ['q_nonzero'] },
      // Zero rows stay zero.
      { op: 'Where', inputs: ['q_nonzero', 'q_norm', 'one'], outputs: ['q_div'] },
      { op: 'Div', inputs: [q, 'q_div'], outputs: ['q_unit'] },
    );
    q = 'q_unit';
  }
  const l2 = index.metric === 'L2';
  const xt = new Float64Array(d * rows);
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) {
      const v = index.X[i * d + j];
      xt[j * rows + i] = (l2 ? -2 : -1) * v;
      norms[i] += v * v;
    }
  }
  initializers.push(doubleTensor('rows_t', [d, rows], xt));
  nodes.push({ op: 'MatMul', inputs: [q, 'rows_t'], outputs: [l2 ? 'cross' : 'score'] });
  if (l2) {
    initializers.push(doubleTensor('row_norms', [1, rows], norms));
    nodes.push({ op: 'Add', inputs: ['cross', 'row_norms'], outputs: ['score'] });
  }
  nodes.push({ op: 'TopK', inputs: ['score', 'topk'], outputs: ['top_score', 'top_rows'], attributes: { axis: 1, largest: 0, sorted: 1 } });
  if (l2) {
    nodes.push(
      { op: 'Mul', inputs: [q, q], outputs: ['q_sq_l2'] },
      { op: 'ReduceSum', inputs: ['q_sq_l2', 'axis1'], outputs: ['q_norm_l2'], attributes: { keepdims: 1 } },
      { op: 'Add', inputs: ['top_score', 'q_norm_l2'], outputs: ['dist_raw'] },
      { op: 'Max', inputs: ['dist_raw', 'zero'], outputs: ['dist_d'] },
    );
  } else nodes.push({ op: 'Neg', inputs: ['top_score'], outputs: ['dist_d'] });
  nodes.push({ op: 'Cast', inputs: ['dist_d'], outputs: ['distances'], attributes: { to: DataType.FLOAT } });
  initializers.push(doubleTensor('row_labels', [rows], index.labels));
  nodes.push(
    { op: 'Gather', inputs: ['row_labels', 'top_rows'], outputs: ['nb_labels'], attributes: { axis: 0 } },
    { op: 'Cast', inputs: ['nb_labels'], outputs: ['labels'], attributes: { to: DataType.FLOAT } },
  );
  if (a.predictorType === 'regressor') {
    nodes.push({ op: 'ReduceMean', inputs: ['nb_labels'], outputs: ['mean'], attributes: { axes: { ints: [1] }, keepdims: 1 } });
    nodes.push({ op: 'Cast', inputs: ['mean'], outputs: ['predicted_label'], attributes: { to: DataType.FLOAT } });
  } else {
    // Votes over the distinct labels, by class index.
    const classes = [...new Set(index.labels)].sort((u, v) => u - v);
    const classOf = new Map(classes.map((c, i) => [c, i]));
    initializers.push(
      int64Tensor('row_classes', [rows], Array.from(index.labels, (y) => classOf.get(y)!)),
      int64Tensor('class_ids', [1, 1, classes.length], classes.map((_, i) => i)),
      int64Tensor('axis2', [1], [2]),
      doubleTensor('ranks', [1, kk, 1], Array.from({ length: kk }, (_, r) => r)),
      doubleTensor('count_weight', [], [kk + 1]),
      doubleTensor('classes', [classes.length], classes),
    );
    nodes.push(
      { op: 'Gather', inputs: ['row_classes', 'top_rows'], outputs: ['nb_classes'], attributes: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['nb_classes', 'axis2'], outputs: ['nb_classes_3d'] },
      { op: 'Equal', inputs: ['nb_classes_3d', 'class_ids'], outputs: ['votes_b'] },
      { op: 'Cast', inputs: ['votes_b'], outputs: ['votes'], attributes: { to: DataType.DOUBLE } },
      { op: 'ReduceSum', inputs: ['votes', 'axis1'], outputs: ['counts'], attributes: { keepdims: 0 } },
      { op: 'Mul', inputs: ['votes', 'ranks'], outputs: ['vote_ranks'] },
      { op: 'ReduceMax', inputs: ['vote_ranks'], outputs: ['last_rank'], attributes: { axes: { ints: [1] }, keepdims: 0 } },
      { op: 'Mul', inputs: ['counts', 'count_weight'], outputs: ['weighted'] },
      { op: 'Sub', inputs: ['weighted', 'last_rank'], outputs: ['class_score'] },
      { op: 'ArgMax', inputs: ['class_score'], outputs: ['winner'], attributes: { axis: 1, keepdims: 1 } },
      { op: 'Gather', inputs: ['classes', 'winner'], outputs: ['winner_label'], attributes: { axis: 0 } },
      { op: 'Cast', inputs: ['winner_label'], outputs: ['predicted_label'], attributes: { to: DataType.FLOAT } },
    );
  }
  return {
    nodes,
    initializers,
    outputs: [
      { name: 'predicted_label', elemType: DataType.FLOAT, shape: ['N', 1] },
      { name: 'distances', elemType: DataType.FLOAT, shape: ['N', kk] },
      { name: 'labels', elemType: DataType.FLOAT, shape: ['N', kk] },
    ],
    numFeatures: F,
    metadata: { k: String(kk), predictor_type: a.predictorType, index_metric: a.metric, search: 'exact' },
  };
}
