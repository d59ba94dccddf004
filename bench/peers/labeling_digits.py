"""Scikit-learn's digits as PNG files for the automated-labeling bench, and the peer.

usage: labeling_digits.py OUT_DIR HUMAN_SHARE TARGET

Writes OUT_DIR/png/<i>.png (8x8 digits scaled to 0..255 and enlarged 4x to 32x32, grey
8-bit PNG) in a shuffled order (seed 0) and OUT_DIR/truth.json. Then the peer: the same
procedure Orchard follows, in scikit-learn (multinomial LogisticRegression on the 16x16
area-averaged pixels, the first HUMAN_SHARE of the items as human labels, 20 % of them held
out, the threshold chosen the same way), printed as one JSON line.
"""
import json, os, struct, sys, zlib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

out, share, target = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
os.makedirs(os.path.join(out, 'png'), exist_ok=True)
d = load_digits()
order = np.random.RandomState(0).permutation(len(d.target))
images, truth = d.images[order], d.target[order]

def png(a):
    h, w = a.shape
    raw = b''.join(b'\x00' + bytes(row) for row in a.astype(np.uint8))
    chunk = lambda t, b: struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')

for i, img in enumerate(images):
    big = np.kron(np.round(img * 255 / 16), np.ones((4, 4)))
    with open(os.path.join(out, 'png', f'{i}.png'), 'wb') as f:
        f.write(png(big))
json.dump([str(int(t)) for t in truth], open(os.path.join(out, 'truth.json'), 'w'))

# The peer: the same split sizes and threshold rule, scikit-learn's model.
X = np.kron(images / 16.0, np.ones((2, 2)))  # 16x16: what Orchard's area average of the 32x32 gives
X = X.reshape(len(X), -1)
n_human = int(np.ceil(share * len(X)))
idx = np.random.RandomState(1).permutation(n_human)
n_held = round(n_human * 0.2)
held, train = idx[:n_held], idx[n_held:]
m = LogisticRegression(max_iter=2000).fit(X[train], truth[train])
p = m.predict_proba(X[held])
conf, pred = p.max(1), m.classes_[p.argmax(1)]
s = np.argsort(-conf, kind='stable')
thr, right = None, 0
for k, i in enumerate(s):
    right += pred[i] == truth[held][i]
    if right / (k + 2) >= target:
        thr = conf[i]
rest = np.arange(n_human, len(X))
pr = m.predict_proba(X[rest])
mask = pr.max(1) >= thr if thr is not None else np.zeros(len(rest), bool)
acc = float((m.classes_[pr.argmax(1)][mask] == truth[rest][mask]).mean()) if mask.any() else None
print(json.dumps({'peer': 'scikit-learn LogisticRegression', 'items': len(X), 'human': n_human, 'machine_labeled': int(mask.sum()), 'machine_share': float(mask.sum() / len(X)), 'machine_accuracy': acc, 'threshold': None if thr is None else float(thr)}))
