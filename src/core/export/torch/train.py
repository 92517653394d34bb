"""Trains a Fovea experiment exported by the studio, on one or many GPUs (or CPUs), with the studio's recipe.

    torchrun --nproc_per_node=N train.py --images ../images --out result
    (multi-node: torchrun's own --nnodes/--node_rank/--rdzv_endpoint flags)

NCCL on GPUs, gloo on CPUs; DistributedDataParallel splits each batch across processes, so the global batch is
settings.json's batchSize whatever N is. The recipe is the studio's (src/core/train/trainer.ts): the head on
headOn pooled by headPooling (average, max or GeM; start.safetensors' metadata builds it), blocks up to
freezeUpTo frozen, the new head at learningRate and pretrained layers at learningRate x pretrainedLrMultiplier,
L2 weight decay on kernels only, SGD with momentum or Adam, constant/step/cosine schedule per epoch, random
quarter-turn rotations, class-weighted loss or class-balanced sampling, validation on the mean softmax over the
four rotations, early stopping on the unweighted validation loss, and the best epoch's weights kept. A head fit
to convergence (headFit 'converged') trains by SGD epochs here; a setting it does not know stops the run.
Writes <out>/weights.safetensors and <out>/metrics.json, which the studio imports ("Import training result").
"""
import argparse
import copy
import json
import math
import os
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

import model as fovea

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN_BGR = torch.tensor([104.0, 117.0, 123.0]).view(3, 1, 1)
LOSS_EPSILON = 1e-7  # probabilities clipped before the log, as the studio (and Keras)

# Every setting of settings.json by its path, and whether this script applies it. The studio's table of settings
# (src/core/train/settings.ts, each setting's `job`) says the same, and a test holds the two together; a setting
# in neither set stops the run instead of being silently ignored.
SETTINGS_APPLIED = {
    'freezeUpTo', 'headOn', 'headPooling', 'headFeatures', 'inputSize', 'epochs', 'batchSize', 'optimizer', 'learningRate',
    'momentum', 'pretrainedLrMultiplier', 'weightDecay', 'lrSchedule', 'stepEpochs', 'stepGamma', 'rotations',
    'earlyStopping.enabled', 'earlyStopping.patience', 'earlyStopping.minDelta', 'dropout', 'seed', 'classWeighting',
    'testTimeRotations', 'headFit',
}
SETTINGS_NOT_NEEDED = {
    'scenario',  # a label: freezeUpTo and headOn hold what it decides
    'initialisation',  # start.safetensors holds the starting weights, pretrained or already drawn at random
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--job', default=HERE, help='folder with manifest.json, settings.json, start.safetensors')
    p.add_argument('--images', default=os.path.join(HERE, '..', 'images'), help='folder of the images zip (images/*.rgb)')
    p.add_argument('--out', default=os.path.join(HERE, 'result'))
    p.add_argument('--epochs', type=int, default=None, help='override settings.json epochs')
    return p.parse_args()


class Images:
    """The studio's preprocessed pixels: raw RGB uint8, size x size, one file per image."""

    def __init__(self, folder, manifest):
        self.folder, self.size = folder, manifest['inputSize']
        self.cache = {}

    def tensor(self, item, rotation):
        key = item['pixels']
        if key not in self.cache:
            rgb = np.fromfile(os.path.join(self.folder, key), dtype=np.uint8).reshape(self.size, self.size, 3)
            bgr = torch.from_numpy(rgb[:, :, ::-1].copy()).permute(2, 0, 1).float()
            self.cache[key] = bgr - MEAN_BGR
        # torch.rot90 over (H, W) turns counter-clockwise, as the studio's rotateQuarterTurns.
        return torch.rot90(self.cache[key], rotation, dims=(1, 2))


def setting_names(s, prefix=''):
    """settings.json's settings by path ('earlyStopping.patience')."""
    for key, value in s.items():
        if isinstance(value, dict):
            yield from setting_names(value, prefix + key + '.')
        else:
            yield prefix + key


def check_settings(s):
    """Refuses a settings.json with a setting this train.py does not know: training without it would not be the run asked for."""
    unknown = [n for n in setting_names(s) if n not in SETTINGS_APPLIED and n not in SETTINGS_NOT_NEEDED]
    if unknown:
        raise ValueError(f"settings.json has {', '.join(repr(n) for n in unknown)}, which this train.py does not apply: "
                         'run the train.py exported with this settings.json, or export the job again from the studio')
    if s.get('headFeatures', 'last') != 'last':
        raise ValueError(f"settings.json's headFeatures is {s['headFeatures']!r}: model.py builds a head on one pooled block "
                         "only ('last'); train this head in the studio or with npm run evaluate")


def learning_rate_at(s, epoch):
    if s['lrSchedule'] == 'step':
        return s['learningRate'] * s['stepGamma'] ** (epoch // s['stepEpochs'])
    if s['lrSchedule'] == 'cosine':
        return s['learningRate'] * 0.5 * (1 + math.cos(math.pi * epoch / s['epochs']))
    return s['learningRate']


def frozen_blocks(freeze_up_to):
    if freeze_up_to == 'all':
        return list(fovea.BLOCKS)
    if freeze_up_to == 'none':
        return []
    return fovea.BLOCKS[:fovea.BLOCKS.index(freeze_up_to) + 1]


def balanced_class_weights(labels, k):
    """n / (k x n_c), sklearn's class_weight='balanced' (the studio's balancedClassWeights)."""
    counts = np.bincount(labels, minlength=k)
    return [len(labels) / (k * c) for c in counts]


class Run:
    def __init__(self, args):
        self.args = args
        self.distributed = 'WORLD_SIZE' in os.environ
        if self.distributed:
            dist.init_process_group('nccl' if torch.cuda.is_available() else 'gloo')
        self.rank = dist.get_rank() if self.distributed else 0
        self.world = dist.get_world_size() if self.distributed else 1
        if torch.cuda.is_available():
            local = int(os.environ.get('LOCAL_RANK', 0))
            torch.cuda.set_device(local)
            self.device = torch.device('cuda', local)
        else:
            self.device = torch.device('cpu')
        with open(os.path.join(args.job, 'settings.json')) as f:
            self.s = json.load(f)
        with open(os.path.join(args.job, 'manifest.json')) as f:
            self.manifest = json.load(f)
        check_settings(self.s)
        if args.epochs:
            self.s['epochs'] = args.epochs
        self.k = len(self.manifest['classNames'])
        items = self.manifest['items']
        self.split = {side: [it for it in items if it['split'] == side] for side in ('train', 'val', 'test')}
        self.images = Images(args.images, self.manifest)
        self.net, self.meta = fovea.load(os.path.join(args.job, 'start.safetensors'))
        # The head (position, pooling, dropout) comes with the starting weights' metadata and the pixels' size with
        # the manifest: settings.json must agree with them.
        for name, here, there, where in (
            ('headOn', self.s['headOn'], self.net.head_on, "start.safetensors' head reads"),
            ('headPooling', self.s.get('headPooling', 'average'), self.net.head_pooling, "start.safetensors' head pools by"),
            ('dropout', float(self.s['dropout']), float(self.meta.get('dropout', 0.4)), "start.safetensors' head drops"),
            ('inputSize', self.s['inputSize'], self.manifest['inputSize'], "manifest.json's images are"),
        ):
            if here != there:
                raise ValueError(f"settings.json's {name} is {here!r} but {where} {there!r}: export the job again from the studio")
        # The studio's converged head fit (L-BFGS with cross-validated L2) is not in train.py: it trains the head by SGD
        # epochs, says so, and the result says what ran.
        if self.s.get('headFit', 'sgd') == 'converged':
            self.log(notice="headFit 'converged' is the studio's; train.py trains the head by SGD epochs (headFit 'sgd')")
            self.s['headFit'] = 'sgd'
        self.net.to(self.device)
        self.frozen = frozen_blocks(self.s['freezeUpTo'])
        self.setup_optimizer()

    def log(self, **record):
        if self.rank == 0:
            print(json.dumps(record), flush=True)

    def setup_optimizer(self):
        s = self.s
        head, pre = {'decay': [], 'none': []}, {'decay': [], 'none': []}
        for name, p in self.net.named_parameters():
            block = fovea.block_of(name)
            if block in self.frozen or (block != 'top' and s['pretrainedLrMultiplier'] == 0):
                p.requires_grad_(False)
                continue
            group = head if block == 'top' else pre
            group['decay' if name.endswith('.weight') else 'none'].append(p)  # L2 on kernels only (Caffe decay_mult 0 on biases)
        self.groups = []
        for params, mult in ((head, 1.0), (pre, s['pretrainedLrMultiplier'])):
            for kind, ps in params.items():
                if ps:
                    self.groups.append({'params': ps, 'mult': mult, 'weight_decay': s['weightDecay'] if kind == 'decay' else 0.0})
        if s['optimizer'] == 'adam':
            self.opt = torch.optim.Adam(self.groups, lr=s['learningRate'], eps=1e-7)  # tfjs's epsilon
        else:
            self.opt = torch.optim.SGD(self.groups, lr=s['learningRate'], momentum=s['momentum'])
        # Frozen blocks run without gradients; DDP then syncs only the trainable parameters.
        self.model = self.net
        if self.distributed:
            self.model = torch.nn.parallel.DistributedDataParallel(
                self.net, device_ids=[self.device.index] if self.device.type == 'cuda' else None)

    def forward(self, x):
        return self.model(x, frozen=self.frozen)

    def batch(self, items, rotations):
        return torch.stack([self.images.tensor(it, r) for it, r in zip(items, rotations)]).to(self.device)

    def epoch_order(self, epoch, labels):
        g = torch.Generator().manual_seed(self.s['seed'] * 7919 + epoch)
        n = len(labels)
        if self.s['classWeighting'] == 'sampling':
            counts = np.bincount(labels, minlength=self.k)
            w = torch.tensor([1.0 / counts[c] for c in labels], dtype=torch.float64)
            order = torch.multinomial(w, n, replacement=True, generator=g)
        else:
            order = torch.randperm(n, generator=g)
        rotations = torch.randint(0, 4 if self.s['rotations'] else 1, (n,), generator=g)
        return order.tolist(), rotations.tolist()

    def train_epoch(self, epoch):
        s, train = self.s, self.split['train']
        labels = [it['classIndex'] for it in train]
        weights = balanced_class_weights(labels, self.k) if s['classWeighting'] == 'loss' else None
        order, rotations = self.epoch_order(epoch, labels)
        self.model.train()
        totals = torch.zeros(3, dtype=torch.float64)  # loss sum, correct, items
        for b in range(0, len(order), s['batchSize']):
            idx = order[b:b + s['batchSize']]
            rot = rotations[b:b + s['batchSize']]
            mine = list(range(self.rank, len(idx), self.world))  # this process's share of the global batch
            items = [train[idx[j]] for j in mine]
            y = torch.tensor([it['classIndex'] for it in items], dtype=torch.long, device=self.device)
            if items:
                logits = self.forward(self.batch(items, [rot[j] for j in mine]))
                ce = F.cross_entropy(logits, y, reduction='none')
                w = torch.tensor([weights[c] for c in y.tolist()], device=self.device) if weights else torch.ones_like(ce)
                # DDP averages gradients over processes: scaled so that the step minimises the global batch's mean.
                objective = (w * ce).sum() * self.world / len(idx)
            else:
                logits = self.forward(self.batch([train[idx[0]]], [0]))
                ce, objective = logits.new_zeros(0), logits.sum() * 0.0
            self.opt.zero_grad(set_to_none=True)
            objective.backward()
            self.opt.step()
            totals += torch.tensor([ce.sum().item(), (logits.argmax(1) == y).sum().item() if items else 0, len(items)], dtype=torch.float64)
            if not math.isfinite(ce.sum().item()):
                raise FloatingPointError(f'training diverged at epoch {epoch + 1}: lower the learning rate')
        if self.distributed:
            dist.all_reduce(totals)
        return totals[0].item() / totals[2].item(), totals[1].item() / totals[2].item()

    @torch.no_grad()
    def predict(self, items):
        """Mean softmax over the evaluation rotations, each process a share, gathered in item order."""
        self.model.eval()
        turns = [0, 1, 2, 3] if self.s['testTimeRotations'] else [0]
        mine = list(range(self.rank, len(items), self.world))
        probs = {}
        step = max(1, self.s['batchSize'] // len(turns))
        for b in range(0, len(mine), step):
            chunk = mine[b:b + step]
            x = self.batch([items[i] for i in chunk for _ in turns], [r for _ in chunk for r in turns])
            p = torch.softmax(self.net(x), 1).view(len(chunk), len(turns), self.k).mean(1).cpu()
            probs.update({i: row.tolist() for i, row in zip(chunk, p)})
        if self.distributed:
            parts = [None] * self.world
            dist.all_gather_object(parts, probs)
            for part in parts:
                probs.update(part)
        return [probs[i] for i in range(len(items))]

    def evaluate(self, items):
        probs = self.predict(items)
        labels = [it['classIndex'] for it in items]
        loss = -sum(math.log(min(max(p[t], LOSS_EPSILON), 1 - LOSS_EPSILON)) for p, t in zip(probs, labels)) / len(items)
        accuracy = sum(int(np.argmax(p)) == t for p, t in zip(probs, labels)) / len(items)
        return {'ids': [it['id'] for it in items], 'labels': labels, 'probs': probs, 'loss': loss, 'accuracy': accuracy}

    def fit(self):
        s = self.s
        es = s['earlyStopping']
        best, best_loss, wait, epochs, stopped = None, math.inf, 0, [], 'completed'
        for epoch in range(s['epochs']):
            start = time.time()
            lr = learning_rate_at(s, epoch)
            for g in self.opt.param_groups:
                g['lr'] = lr * g['mult']
            train_loss, train_acc = self.train_epoch(epoch)
            val = self.evaluate(self.split['val'])  # unweighted loss, whatever the class weighting
            summary = {'epoch': epoch, 'trainLoss': train_loss, 'trainAccuracy': train_acc, 'valLoss': val['loss'],
                       'valAccuracy': val['accuracy'], 'learningRate': lr, 'seconds': time.time() - start}
            epochs.append(summary)
            self.log(**summary)
            if val['loss'] < best_loss - es['minDelta']:
                best_loss, wait = val['loss'], 0
                best = {'epoch': epoch, 'state': copy.deepcopy(self.net.state_dict()), 'val': val}
            else:
                wait += 1
                if es['enabled'] and wait >= es['patience']:
                    stopped = 'early-stopping'
                    break
        self.net.load_state_dict(best['state'])
        test = self.evaluate(self.split['test']) if self.split['test'] else None
        return {'format': 'fovea-training-result', 'version': 1, 'epochs': epochs, 'bestEpoch': best['epoch'],
                'stoppedBecause': stopped, 'val': best['val'], 'settings': s, 'worldSize': self.world,
                **({'test': test} if test else {})}


def main():
    args = parse_args()
    run = Run(args)
    result = run.fit()
    if run.rank == 0:
        os.makedirs(args.out, exist_ok=True)
        fovea.save(run.net, os.path.join(args.out, 'weights.safetensors'), run.meta)
        with open(os.path.join(args.out, 'metrics.json'), 'w') as f:
            json.dump(result, f)
    if run.distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
