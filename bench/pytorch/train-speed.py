#!/usr/bin/env python3
"""PyTorch reference for `lgm bench train` and `lgm bench infer`: img/s of LeNet++ or a CIFAR ResNet.

Same architectures as src/nets (LeNet++: three stages of two 5x5 'same' convolutions with per-channel PReLU and
2x2 max pooling, 32/64/128 channels, then a linear feature layer; ResNet-20/32/56/110 of He et al. 2016 with
the "option A" shortcut lgm uses: subsample by 2 and zero-pad the new channels, no 1x1 convolution), an
identity-covariance L-GM head (logits_ik = -(1 + alpha [k = y_i]) d_ik, paper eq. 17; likelihood term
lambda * d_{i,y_i}, eq. 18) or a dense softmax head, SGD with momentum. Inputs are seeded random images: the
speed does not depend on the pixel values.

--mode train: forward, backward and update in training mode (batch norm on batch statistics), as lgm bench train.
--mode infer: forward only in eval mode under no_grad: features, L-GM logits and each sample's class
              likelihood score (the distance to its predicted class), as lgm bench infer's `forward` figure.
Memory: rssBeforeModelMiB (resident set before the net is built) and peakRssMiB (getrusage's maxrss).

Run with Debian's PyTorch: /usr/bin/python3 bench/pytorch/train-speed.py --net lenetpp --batch 64 --threads 2
Prints one JSON object (img/s per timed repeat, min/median/max).
"""
import argparse
import json
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def lenetpp(feature_dim, in_ch):
    layers = []
    ch = in_ch
    for filters in (32, 64, 128):
        for _ in range(2):
            layers += [nn.Conv2d(ch, filters, 5, padding=2), nn.PReLU(filters)]
            ch = filters
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 3 * 3, feature_dim))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        self.stride = stride
        self.extra = cout - cin

    def shortcut(self, x):
        # Option A, as src/nets/resnet.ts: subsample by the stride, zero-pad the new channels (NCHW: dim 1).
        if self.stride == 1 and self.extra == 0:
            return x
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + self.shortcut(x))


def resnet(depth, in_ch):
    layers = [nn.Conv2d(in_ch, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage, cout in enumerate((16, 32, 64)):
        for b in range((depth - 2) // 6):
            layers.append(Block(cin, cout, 2 if (stage > 0 and b == 0) else 1))
            cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


def lgm_loss(features, labels, means, alpha, lam):
    d = distances(features, means)
    one_hot = F.one_hot(labels, means.shape[0]).float()
    logits = -(1 + alpha * one_hot) * d
    return F.cross_entropy(logits, labels) + lam * (d * one_hot).sum(1).mean()


def rss_mib():
    with open('/proc/self/statm') as f:
        return round(int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20, 1)


def distances(features, means):
    # d_ik = 1/2 ||x_i - mu_k||^2 (identity covariance), via the matmul expansion.
    return 0.5 * (features.pow(2).sum(1, keepdim=True) - 2 * features @ means.t() + means.pow(2).sum(1)[None, :])


def infer_step(net, means, x):
    """The timed inference pass (--mode infer; also profile-step.py's): features, L-GM logits, the predicted
    class's distance, read back."""
    with torch.no_grad():
        d = distances(net(x), means)
        logits = -d
        score = d.gather(1, logits.argmax(1, keepdim=True))
        return float(score[0])


def training_setup(net_name, loss, batch):
    """The benchmarked training step (also profile-step.py's): the net, the identity L-GM head's means (or a dense
    softmax head), momentum SGD and one random batch. Returns (net, means, x, y, train_step)."""
    if net_name == 'lenetpp':
        net, shape, feature_dim = lenetpp(2, 1), (1, 28, 28), 2
    else:
        net, shape, feature_dim = resnet(int(net_name[len('resnet'):]), 3), (3, 32, 32), 64
    means = nn.Parameter(torch.randn(10, feature_dim))
    dense = nn.Linear(feature_dim, 10)
    head = [means] if loss == 'lgm' else list(dense.parameters())
    opt = torch.optim.SGD(list(net.parameters()) + head, lr=0.001, momentum=0.9)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))

    def train_step():
        opt.zero_grad()
        f = net(x)
        value = lgm_loss(f, y, means, 0.1, 0.01) if loss == 'lgm' else F.cross_entropy(dense(f), y)
        value.backward()
        opt.step()
        return value.item()

    return net, means, x, y, train_step


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--net', choices=['lenetpp', 'resnet20', 'resnet32', 'resnet56', 'resnet110'],
                   default='lenetpp')
    p.add_argument('--mode', choices=['train', 'infer'], default='train')
    p.add_argument('--loss', choices=['lgm', 'softmax'], default='lgm')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--steps', type=int, default=20, help='timed steps per repeat')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rss_before = rss_mib()
    net, means, x, y, train_step = training_setup(args.net, args.loss, args.batch)

    if args.mode == 'infer':
        net.eval()
    step = train_step if args.mode == 'train' else lambda: infer_step(net, means, x)
    for _ in range(args.warmup):
        step()
    rates = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        rates.append(args.steps * args.batch / (time.perf_counter() - t0))
    print(json.dumps({
        'framework': f'pytorch {torch.__version__}', 'net': args.net, 'mode': args.mode, 'loss': args.loss,
        'batch': args.batch, 'threads': torch.get_num_threads(), 'steps': args.steps, 'repeats': args.repeats,
        'imgPerSec': [round(r, 1) for r in rates], 'min': round(min(rates), 1),
        'median': round(statistics.median(rates), 1), 'max': round(max(rates), 1),
        'rssBeforeModelMiB': rss_before, 'rssEndMiB': rss_mib(),
        'peakRssMiB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == '__main__':
    main()
