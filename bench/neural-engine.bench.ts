/**
 * `npm run bench -- neural-engine [--steps N] [--no-peer]`: the neural engine's candidates
 * on one training step (forward, backward, Adam update) of two small networks, in process:
 *
 * - MLP: a batch of 128 rows × 784 → 256 ReLU → 256 ReLU → 10, softmax cross-entropy;
 * - conv net: a batch of 32 images 28×28×1 → conv 3×3×16 ReLU → max-pool 2 → conv 3×3×32
 *   ReLU → max-pool 2 → dense 10, softmax cross-entropy.
 *
 * Candidates: TensorFlow.js core on its JavaScript `cpu` backend and on its WebAssembly
 * backend (SIMD; Node gets its single-threaded build), against Debian's `python3-torch`
 * with the same networks on one thread and on all cores. Reports the median step time and
 * each candidate's ratio to PyTorch on one thread (1.0 = as fast; below 1 is faster). The
 * `cpu` backend is timed over at most 3 steps (its conv step is that slow).
 */
import type * as Tf from '@tensorflow/tfjs';
import { createParams, disposeParams, neuralEngine, type NeuralBackend, type ParamSpec, type TfModule } from '../src/algorithms/neural/index.js';
import { PYTHON, emit, exec, median } from './support.js';

const PEER = `
import json, sys, time
import torch
steps, threads = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
nn = torch.nn
mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
conv = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
def bench(net, x, y):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for i in range(steps + 3):
        t = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        if i >= 3: times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2] * 1000
out = {
  "mlp_ms": bench(mlp, torch.randn(128, 784), torch.randint(0, 10, (128,))),
  "conv_ms": bench(conv, torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))),
  "torch": torch.__version__,
}
print(json.dumps(out))
`;

const MLP: ParamSpec[] = [
  { name: 'w1', shape: [784, 256], init: { kind: 'glorot' } },
  { name: 'b1', shape: [256], init: { kind: 'zeros' } },
  { name: 'w2', shape: [256, 256], init: { kind: 'glorot' } },
  { name: 'b2', shape: [256], init: { kind: 'zeros' } },
  { name: 'w3', shape: [256, 10], init: { kind: 'glorot' } },
  { name: 'b3', shape: [10], init: { kind: 'zeros' } },
];

const CONV: ParamSpec[] = [
  { name: 'k1', shape: [3, 3, 1, 16], init: { kind: 'glorot' } },
  { name: 'c1', shape: [16], init: { kind: 'zeros' } },
  { name: 'k2', shape: [3, 3, 16, 32], init: { kind: 'glorot' } },
  { name: 'c2', shape: [32], init: { kind: 'zeros' } },
  { name: 'w', shape: [32 * 7 * 7, 10], init: { kind: 'glorot' } },
  { name: 'b', shape: [10], init: { kind: 'zeros' } },
];

/** Median milliseconds of one Adam step of `forward` on (x, y), after 3 warm-up steps. */
function stepMs(tf: TfModule, specs: ParamSpec[], forward: (p: Record<string, Tf.Variable>, x: Tf.Tensor) => Tf.Tensor, x: Tf.Tensor, y: Tf.Tensor, steps: number): number {
  const p = createParams(tf, specs, 1);
  const opt = tf.train.adam(1e-3);
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    const t = performance.now();
    tf.tidy(() => {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(p, x)) as Tf.Scalar, false, Object.values(p));
    });
    // Wait for the step to finish (reading the weights forces it on any backend).
    p.b1 ? p.b1.dataSync() : p.b.dataSync();
    if (i >= 3) times.push(performance.now() - t);
  }
  opt.dispose();
  disposeParams(p);
  return median(times);
}

async function measure(backend: NeuralBackend, steps: number): Promise<{ mlp_ms: number; conv_ms: number }> {
  const tf = await neuralEngine({ backend });
  const rows = tf.randomNormal([128, 784], 0, 1, 'float32', 1);
  const rowLabels = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32', 2), 10);
  const images = tf.randomNormal([32, 28, 28, 1], 0, 1, 'float32', 3);
  const imageLabels = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 4), 10);
  const mlp_ms = stepMs(tf, MLP, (p, x) => x.matMul(p.w1).add(p.b1).relu().matMul(p.w2).add(p.b2).relu().matMul(p.w3).add(p.b3), rows, rowLabels, steps);
  const conv_ms = stepMs(
    tf,
    CONV,
    (p, x) => {
      const a = tf.maxPool(tf.conv2d(x as Tf.Tensor4D, p.k1 as unknown as Tf.Tensor4D, 1, 'same').add(p.c1).relu() as Tf.Tensor4D, 2, 2, 'valid');
      const b = tf.maxPool(tf.conv2d(a, p.k2 as unknown as Tf.Tensor4D, 1, 'same').add(p.c2).relu() as Tf.Tensor4D, 2, 2, 'valid');
      return b.reshape([32, 32 * 7 * 7]).matMul(p.w).add(p.b);
    },
    images,
    imageLabels,
    steps,
  );
  tf.dispose([rows, rowLabels, images, imageLabels]);
  return { mlp_ms, conv_ms };
}

export async function run(args: string[]): Promise<void> {
  const steps = args.includes('--steps') ? Number(args[args.indexOf('--steps') + 1]) : 30;
  const peer = !args.includes('--no-peer');
  let base: { mlp_ms: number; conv_ms: number } | null = null;
  if (peer) {
    const one = JSON.parse((await exec(PYTHON, ['-c', PEER, String(steps), '1'])).trim()) as { mlp_ms: number; conv_ms: number; torch: string };
    const all = JSON.parse((await exec(PYTHON, ['-c', PEER, String(steps), '2'])).trim()) as { mlp_ms: number; conv_ms: number; torch: string };
    base = one;
    emit({ bench: 'neural-engine', scope: 'in-process', engine: `pytorch ${one.torch}`, threads: 1, mlp_ms: one.mlp_ms, conv_ms: one.conv_ms, mlp_ratio: 1, conv_ratio: 1 });
    emit({ bench: 'neural-engine', scope: 'in-process', engine: `pytorch ${all.torch}`, threads: 2, mlp_ms: all.mlp_ms, conv_ms: all.conv_ms, mlp_ratio: all.mlp_ms / one.mlp_ms, conv_ratio: all.conv_ms / one.conv_ms });
  }
  for (const backend of ['wasm', 'cpu'] as const) {
    // The JavaScript kernels take most of a minute per conv step on a loaded machine: a few steps tell.
    const m = await measure(backend, backend === 'cpu' ? Math.min(steps, 3) : steps);
    emit({
      bench: 'neural-engine',
      scope: 'in-process',
      engine: `tfjs ${backend}`,
      threads: 1,
      mlp_ms: m.mlp_ms,
      conv_ms: m.conv_ms,
      ...(base ? { mlp_ratio: m.mlp_ms / base.mlp_ms, conv_ratio: m.conv_ms / base.conv_ms } : {}),
    });
  }
}
