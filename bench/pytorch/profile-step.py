#!/usr/bin/env python3
"""Where a PyTorch training step of train_speed.py's nets goes, for the side-by-side table of docs/performance.md
("Where a ResNet-20 step goes"): torch.profiler over `--steps` steps after `--warmup`, self CPU time per ATen op
(ms per step, calls per step), and the step's wall time. Same nets, head, optimizer, batch and threads as
train_speed.py --mode train.

/usr/bin/python3 bench/pytorch/profile-step.py --net resnet20 --batch 128 --threads 2 [--steps 3]
Prints one JSON object: {"wallMsPerStep", "rows": [{"op", "calls", "ms"}], "selfMsTotal"}.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from train_speed import lenetpp, lgm_loss, resnet


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--net', choices=['lenetpp', 'resnet20', 'resnet32', 'resnet56', 'resnet110'],
                   default='resnet20')
    p.add_argument('--loss', choices=['lgm', 'softmax'], default='lgm')
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    if args.net == 'lenetpp':
        net, shape, feature_dim = lenetpp(2, 1), (1, 28, 28), 2
    else:
        net, shape, feature_dim = resnet(int(args.net[len('resnet'):]), 3), (3, 32, 32), 64
    means = nn.Parameter(torch.randn(10, feature_dim))
    dense = nn.Linear(feature_dim, 10)
    head = [means] if args.loss == 'lgm' else list(dense.parameters())
    opt = torch.optim.SGD(list(net.parameters()) + head, lr=0.001, momentum=0.9)
    x = torch.randn(args.batch, *shape)
    y = torch.randint(0, 10, (args.batch,))

    def step():
        opt.zero_grad()
        f = net(x)
        loss = lgm_loss(f, y, means, 0.1, 0.01) if args.loss == 'lgm' else F.cross_entropy(dense(f), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    wall = (time.perf_counter() - t0) * 1000 / args.steps
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            step()
    rows = [{'op': e.key, 'calls': round(e.count / args.steps, 1), 'ms': round(e.self_cpu_time_total / 1000 / args.steps, 2)}
            for e in prof.key_averages() if e.self_cpu_time_total > 0]
    rows.sort(key=lambda r: -r['ms'])
    print(json.dumps({'net': args.net, 'batch': args.batch, 'threads': torch.get_num_threads(),
                      'wallMsPerStep': round(wall, 1), 'selfMsTotal': round(sum(r['ms'] for r in rows), 1),
                      'rows': rows}))


if __name__ == '__main__':
    main()
