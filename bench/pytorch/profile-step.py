#!/usr/bin/env python3
"""Where a PyTorch training step (or inference pass) of train-speed.py's nets goes, for the side-by-side tables of
docs/performance.md ("lgm and PyTorch op by op", "LeNet++ op by op"): torch.profiler over `--steps` steps after
`--warmup`, self CPU time per ATen op (ms per step, calls per step), and the step's wall time. Same nets, head,
optimizer, batch and threads as train-speed.py --mode train; --mode infer profiles its inference pass (eval mode,
no_grad: features, L-GM logits and the predicted class's distance).

/usr/bin/python3 bench/pytorch/profile-step.py --net resnet20 --batch 128 --threads 2 [--steps 3] [--mode infer]
Prints one JSON object: {"wallMsPerStep", "rows": [{"op", "calls", "ms"}], "selfMsTotal"}.
"""
import argparse
import json
import time

import importlib.util
import os

import torch
from torch.profiler import ProfilerActivity, profile

# train-speed.py's name is not an importable module name: load it by path.
_spec = importlib.util.spec_from_file_location('train_speed', os.path.join(os.path.dirname(__file__), 'train-speed.py'))
train_speed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_speed)


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
    p.add_argument('--mode', choices=['train', 'infer'], default='train')
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    net, means, x, _, step = train_speed.training_setup(args.net, args.loss, args.batch)
    if args.mode == 'infer':
        net.eval()
        step = lambda: train_speed.infer_step(net, means, x)

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
    print(json.dumps({'net': args.net, 'mode': args.mode, 'batch': args.batch, 'threads': torch.get_num_threads(),
                      'wallMsPerStep': round(wall, 1), 'selfMsTotal': round(sum(r['ms'] for r in rows), 1),
                      'rows': rows}))


if __name__ == '__main__':
    main()
