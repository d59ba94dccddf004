/**
 * Plain values of the model registry, with no schema library behind them: a model server
 * reads these without loading the registry's service or storage.
 */

/** The ONNX graph's file name in a model folder (an uploaded, exported or script-written model). */
export const ONNX_FILE = 'model.onnx';
