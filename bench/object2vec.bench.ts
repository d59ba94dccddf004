/**
 * `npm run bench -- object2vec [--steps N] [--no-peer]`: one object2vec training step
 * (forward, backward, Adam update) per encoder, in process, against the same-size network
 * in Debian's `python3-torch` on one thread. Sizes are a small real task's: a batch of 32
 * pairs (SageMaker's default `mini_batch_size`), sequences of 20 tokens of a 5000-token
 * vocabulary, token embeddings of 64, `enc_dim` 128, one MLP layer of 128, all three
 * comparators, a 2-class softmax. Every sequence is full length, so the peer's plain
 * (unmasked) layers do the same work as Orchard's masked ones. Reports the median step
 * time and the ratio to PyTorch (1.0 = as fast; above 1 is slower).
 */
import type * as Tf from '@tensorflow/tfjs';
import { createParams, disposeParams, neuralEngine } from '../src/algorithms/neural/index.js';
import type { EncoderNetwork } from '../src/algorithms/object2vec/hyperparameters.js';
import { emptySequences } from '../src/algorithms/object2vec/o2v-data.js';
import { encode, o2vParamSpecs, pairLoss, scorePairs, type O2vShape } from '../src/algorithms/object2vec/o2v-network.js';
import { createRandom } from '../src/algorithms/parallel/random.js';
import { PYTHON, emit, exec, median } from './support.js';

const BATCH = 32;
const LEN = 20;
const VOCAB = 5000;
const EMB = 64;
const ENC = 128;
const MLP = 128;
const NETWORKS: EncoderNetwork[] = ['pooled_embedding', 'hcnn', 'bilstm'];

const PEER = `
import json, sys, time
import torch
nn = torch.nn
steps = int(sys.argv[1])
torch.set_num_threads(1)
torch.manual_seed(0)
B, L, V, E, H, M = ${BATCH}, ${LEN}, ${VOCAB}, ${EMB}, ${ENC}, ${MLP}
class Enc(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.emb = nn.Embedding(V, E)
        if kind == 'pooled_embedding': self.proj = nn.Linear(E, H)
        elif kind == 'hcnn': self.convs = nn.ModuleList([nn.Conv1d(E, H, 3, padding=1), nn.Conv1d(H, H, 3, padding=1)])
        else: self.lstm = nn.LSTM(E, H // 2, batch_first=True, bidirectional=True)
    def forward(self, ids):
        x = self.emb(ids)
        if self.kind == 'pooled_embedding': return self.proj(x.mean(1))
        if self.kind == 'hcnn':
            h = x.transpose(1, 2)
            for c in self.convs: h = torch.relu(c(h))
            return h.max(2).values
        _, (h, _) = self.lstm(x)
        return torch.cat([h[0], h[1]], 1)
class O2V(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.e0, self.e1 = Enc(kind), Enc(kind)
        self.mlp = nn.Linear(4 * H, M)
        self.out = nn.Linear(M, 2)
    def forward(self, a, b):
        u, v = self.e0(a), self.e1(b)
        return self.out(self.mlp(torch.cat([u * v, u, v, (u - v).abs()], 1)))
out = {"torch": torch.__version__}
for kind in ['pooled_embedding', 'hcnn', 'bilstm']:
    net = O2V(kind)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    a, b, y = torch.randint(0, V, (B, L)), torch.randint(0, V, (B, L)), torch.randint(0, 2, (B,))
    times = []
    for i in range(steps + 3):
        t = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(net(a, b), y)
        loss.backward()
        opt.step()
        if i >= 3: times.append(time.perf_counter() - t)
    times.sort()
    out[kind] = times[len(times) // 2] * 1000
print(json.dumps(out))
`;

function shape(network: EncoderNetwork): O2vShape {
  const enc = { network, vocabSize: VOCAB, maxSeqLen: LEN, embeddingDim: EMB, layers: network === 'hcnn' ? 2 : network === 'bilstm' ? 1 : 0 };
  return { enc: [enc, { ...enc }], encDim: ENC, tied: false, comparators: ['hadamard', 'concat', 'abs_diff'], mlpDim: MLP, mlpLayers: 1, mlpActivation: 'linear', output: 'softmax', numClasses: 2 };
}

/** Median milliseconds of one Adam step, after 3 warm-up steps. */
async function stepMs(network: EncoderNetwork, steps: number): Promise<number> {
  const tf = await neuralEngine();
  const s = shape(network);
  const params = createParams(tf, o2vParamSpecs(s), 1);
  const opt = tf.train.adam(1e-3);
  const rng = createRandom(2);
  const seqs = [0, 1].map(() => {
    const q = emptySequences(BATCH, LEN);
    for (let i = 0; i < q.ids.length; i++) q.ids[i] = Math.floor(rng.next() * VOCAB);
    q.lengths.fill(LEN);
    return q;
  });
  const labels = Float32Array.from({ length: BATCH }, () => (rng.next() < 0.5 ? 0 : 1));
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    const t = performance.now();
    tf.tidy(() => {
      opt.minimize(() => pairLoss(tf, s, scorePairs(tf, params, s, encode(tf, params, s, 0, seqs[0]), encode(tf, params, s, 1, seqs[1])), labels) as Tf.Scalar, false, Object.values(params));
    });
    params.out_b.dataSync();
    if (i >= 3) times.push(performance.now() - t);
  }
  opt.dispose();
  disposeParams(params);
  return median(times);
}

export async function run(args: string[]): Promise<void> {
  const steps = args.includes('--steps') ? Number(args[args.indexOf('--steps') + 1]) : 20;
  const peer = !args.includes('--no-peer') ? (JSON.parse((await exec(PYTHON, ['-c', PEER, String(steps)])).trim()) as Record<string, number> & { torch: string }) : null;
  for (const network of NETWORKS) {
    const ms = await stepMs(network, steps);
    const line: Record<string, unknown> = { bench: 'object2vec', scope: 'in-process', encoder: network, batch: BATCH, seq_len: LEN, enc_dim: ENC, orchard_step_ms: Number(ms.toFixed(2)) };
    if (peer) Object.assign(line, { peer: `pytorch ${peer.torch}, 1 thread`, peer_step_ms: Number(peer[network].toFixed(2)), ratio: Number((ms / peer[network]).toFixed(2)) });
    emit(line);
  }
}
