"""Peer of bench/image-classification.bench.ts.

`make DIR`: scikit-learn's digits (8x8, 0..16) upscaled bilinearly to 32x32 grey levels
0..255, shuffled with seed 0 and split 1437 / 360; written as raw uint8 images and labels.
`train DIR EPOCHS LR BATCH THREADS`: the same residual network as Orchard's num_layers=8
(3x3 stem of 16, three stages of one basic block with 16/32/64 filters, stride 2 and a 1x1
conv + BN shortcut where a stage starts, global average pooling, dense softmax), He
initialisation, the training pixels standardised, Adam, the same epochs and batch size,
no augmentation; prints one JSON line with accuracy on the 360 and seconds per epoch.
"""
import json
import os
import sys
import time

import numpy as np


def make(out):
    from sklearn.datasets import load_digits
    import torch
    import torch.nn.functional as F

    d = load_digits()
    x = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16.0 * 255.0
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False).clamp(0, 255).round().to(torch.uint8).squeeze(1).numpy()
    rng = np.random.RandomState(0)
    order = rng.permutation(len(x))
    x, y = x[order], d.target[order].astype(np.uint8)
    os.makedirs(out, exist_ok=True)
    x.tofile(os.path.join(out, "images.u8"))
    y.tofile(os.path.join(out, "labels.u8"))
    print(json.dumps({"rows": int(len(x)), "train": 1437, "test": int(len(x)) - 1437}))


def train(out, epochs, lr, batch, threads):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = np.fromfile(os.path.join(out, "images.u8"), dtype=np.uint8).reshape(-1, 1, 32, 32).astype(np.float32)
    y = np.fromfile(os.path.join(out, "labels.u8"), dtype=np.uint8).astype(np.int64)
    xtr, ytr, xte, yte = x[:1437], y[:1437], x[1437:], y[1437:]
    mean, std = xtr.mean(), max(1.0, xtr.std())
    xtr, xte = torch.tensor((xtr - mean) / std), torch.tensor((xte - mean) / std)
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)

    class Block(nn.Module):
        def __init__(self, i, o, s):
            super().__init__()
            self.c1 = nn.Conv2d(i, o, 3, s, 1, bias=False)
            self.b1 = nn.BatchNorm2d(o)
            self.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
            self.b2 = nn.BatchNorm2d(o)
            self.sc = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o)) if s != 1 or i != o else nn.Identity()

        def forward(self, x):
            h = F.relu(self.b1(self.c1(x)))
            return F.relu(self.b2(self.c2(h)) + self.sc(x))

    net = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)
    times = []
    for epoch in range(epochs):
        net.train()
        t0 = time.perf_counter()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    net.eval()
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    print(json.dumps({"accuracy": acc, "epoch_s": sorted(times)[len(times) // 2], "epochs": epochs, "torch": torch.__version__, "threads": threads}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        train(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
