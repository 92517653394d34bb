"""PyTorch's side of `npm run bench -- --cpu`: GoogLeNet (the training job's model.py, Caffe semantics) inference
and a scenario-4 training step (conv1 and conv2 frozen, SGD with momentum, cross-entropy) on the CPU, timed as
Fovea's side is: warm-up steps, then the median of the timed ones. Prints one JSON object."""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'core', 'export', 'torch'))
import model as fovea  # noqa: E402


def median_ms(run, warmup, steps):
    for _ in range(warmup):
        run()
    samples = []
    for _ in range(steps):
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), samples


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, required=True)
    p.add_argument('--sizes', default='224,96')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--warmup', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    net = fovea.FoveaGoogLeNet(2)
    frozen = ('conv1', 'conv2')  # scenario 4 (config.ts SCENARIOS: freezeUpTo 'conv2')
    params = [q for name, q in net.named_parameters() if fovea.block_of(name) not in frozen]
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9)
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batch': a.batch, 'sizes': []}
    for size in [int(s) for s in a.sizes.split(',')]:
        x = torch.rand(a.batch, 3, size, size) * 255 - 117
        y = torch.arange(a.batch) % 2

        def infer():
            net.eval()
            with torch.no_grad():
                torch.softmax(net(x), 1)

        def train():
            net.train()
            opt.zero_grad()
            F.cross_entropy(net(x, frozen=frozen), y).backward()
            opt.step()

        inf_ms, inf_samples = median_ms(infer, a.warmup, a.steps)
        tr_ms, tr_samples = median_ms(train, a.warmup, a.steps)
        out['sizes'].append({
            'size': size,
            'inference': {'stepMs': inf_ms, 'imgPerSec': a.batch * 1000 / inf_ms, 'samplesMs': inf_samples},
            'train': {'stepMs': tr_ms, 'imgPerSec': a.batch * 1000 / tr_ms, 'samplesMs': tr_samples},
        })
    print(json.dumps(out))


if __name__ == '__main__':
    main()
