"""Fovea's fine-tuned GoogLeNet (BVLC Inception v1, Caffe semantics) in PyTorch.

Same numbers as the studio's TF.js network for the same weights and inputs:
  * convolutions pad as Caffe (conv1 pads 3 on every side);
  * max pools round up (ceil_mode=True), inception pools are 3x3 stride 1 pad 1;
  * LRN across 5 channels, alpha 1e-4, beta 0.75, k 1: torch's LocalResponseNorm divides alpha by size,
    as Caffe does, so Caffe's alpha goes in unchanged;
  * pool5 (7x7 average at 224 px) is a global average pool: identical at 224 px, size-free;
  * the head pools the last block's maps by `head_pooling`: 'average' (pool5's), 'max' (global max) or 'gem'
    (generalised mean, p = 3: (mean(clamp(x, min=1e-6)^3))^(1/3), Radenovic et al.);
  * the new head: pooled features x fovea_feature_scale.scale, dropout, linear layer 'fovea_classifier'.
Input: N x 3 x H x W, BGR, ImageNet mean (104, 117, 123) subtracted, 0..255 scale (H, W multiples of 32,
64 to 512: the network is convolutional up to its global pool, so any such size runs).
Parameter names are the Caffe layer names with '/' as '_', as in the studio's safetensors export.
"""
import json
import struct

import torch
from torch import nn
import torch.nn.functional as F

HEAD_POOLINGS = ('average', 'max', 'gem')
GEM_POWER, GEM_EPSILON = 3.0, 1e-6
BLOCKS = ['conv1', 'conv2', 'inception_3a', 'inception_3b', 'inception_4a', 'inception_4b', 'inception_4c',
          'inception_4d', 'inception_4e', 'inception_5a', 'inception_5b']
# in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj (deploy.prototxt)
INCEPTION = {
    'inception_3a': (192, 64, 96, 128, 16, 32, 32), 'inception_3b': (256, 128, 128, 192, 32, 96, 64),
    'inception_4a': (480, 192, 96, 208, 16, 48, 64), 'inception_4b': (512, 160, 112, 224, 24, 64, 64),
    'inception_4c': (512, 128, 128, 256, 24, 64, 64), 'inception_4d': (512, 112, 144, 288, 32, 64, 64),
    'inception_4e': (528, 256, 160, 320, 32, 128, 128), 'inception_5a': (832, 256, 160, 320, 32, 128, 128),
    'inception_5b': (832, 384, 192, 384, 48, 128, 128),
}


def block_of(param_name):
    """Which block a parameter belongs to ('top' for the new head)."""
    for b in BLOCKS:
        if param_name.startswith(b + '_'):
            return b
    return 'top'


class FeatureScale(nn.Module):
    def __init__(self, scale=1.0):
        super().__init__()
        self.register_buffer('scale', torch.tensor([float(scale)], dtype=torch.float32))

    def forward(self, x):
        return x * self.scale


def global_pool(x, pooling):
    """N x C x H x W -> N x C, as the studio's head pools (classifier.ts, pooling.ts)."""
    if pooling == 'average':
        return x.mean(dim=(2, 3))
    if pooling == 'max':
        return x.amax(dim=(2, 3))
    if pooling == 'gem':
        return x.clamp(min=GEM_EPSILON).pow(GEM_POWER).mean(dim=(2, 3)).pow(1.0 / GEM_POWER)
    raise ValueError(f'head pooling {pooling!r} is not one of {", ".join(HEAD_POOLINGS)}')


class FoveaGoogLeNet(nn.Module):
    def __init__(self, num_classes, head_on='pool5', dropout=0.4, feature_scale=1.0, head_pooling='average'):
        super().__init__()
        if head_pooling not in HEAD_POOLINGS:
            raise ValueError(f'head pooling {head_pooling!r} is not one of {", ".join(HEAD_POOLINGS)}')
        self.head_on = head_on
        self.head_pooling = head_pooling
        self.blocks = BLOCKS if head_on == 'pool5' else BLOCKS[:BLOCKS.index(head_on) + 1]
        self.conv1_7x7_s2 = nn.Conv2d(3, 64, 7, stride=2, padding=3)
        self.conv2_3x3_reduce = nn.Conv2d(64, 64, 1)
        self.conv2_3x3 = nn.Conv2d(64, 192, 3, padding=1)
        self.lrn = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        for b in self.blocks[2:]:
            cin, c1, r3, c3, r5, c5, pp = INCEPTION[b]
            setattr(self, b + '_1x1', nn.Conv2d(cin, c1, 1))
            setattr(self, b + '_3x3_reduce', nn.Conv2d(cin, r3, 1))
            setattr(self, b + '_3x3', nn.Conv2d(r3, c3, 3, padding=1))
            setattr(self, b + '_5x5_reduce', nn.Conv2d(cin, r5, 1))
            setattr(self, b + '_5x5', nn.Conv2d(r5, c5, 5, padding=2))
            setattr(self, b + '_pool_proj', nn.Conv2d(cin, pp, 1))
        features = 1024 if head_on == 'pool5' else sum(INCEPTION[head_on][i] for i in (1, 3, 5, 6))
        self.fovea_feature_scale = FeatureScale(feature_scale)
        self.fovea_dropout = nn.Dropout(dropout)
        self.fovea_classifier = nn.Linear(features, num_classes)

    def _inception(self, b, x):
        c = lambda name, t: F.relu(getattr(self, b + '_' + name)(t))
        return torch.cat([
            c('1x1', x),
            c('3x3', c('3x3_reduce', x)),
            c('5x5', c('5x5_reduce', x)),
            c('pool_proj', F.max_pool2d(x, 3, stride=1, padding=1, ceil_mode=True)),
        ], 1)

    def block_output(self, b, x):
        """Runs block b on the previous block's output."""
        if b == 'conv1':
            return self.lrn(F.max_pool2d(F.relu(self.conv1_7x7_s2(x)), 3, stride=2, ceil_mode=True))
        if b == 'conv2':
            x = F.relu(self.conv2_3x3(F.relu(self.conv2_3x3_reduce(x))))
            return F.max_pool2d(self.lrn(x), 3, stride=2, ceil_mode=True)
        if b in ('inception_4a', 'inception_5a'):
            x = F.max_pool2d(x, 3, stride=2, ceil_mode=True)
        return self._inception(b, x)

    def features(self, x, frozen=()):
        """Output of the last block; blocks in `frozen` run without gradients (a frozen prefix, as in the studio)."""
        for b in self.blocks:
            with torch.set_grad_enabled(torch.is_grad_enabled() and b not in frozen):
                x = self.block_output(b, x)
        return x

    def head(self, x):
        x = global_pool(x, self.head_pooling)  # pool5 when averaging inception_5b
        return self.fovea_classifier(self.fovea_dropout(self.fovea_feature_scale(x)))

    def forward(self, x, frozen=()):
        """Logits; softmax gives the class probabilities."""
        return self.head(self.features(x, frozen))


def read_safetensors(path):
    """Tensors and metadata of a safetensors file of F32 tensors (no dependency beyond torch)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop('__metadata__', {})
    body = bytearray(data[8 + n:])
    tensors = {}
    for name, entry in header.items():
        if entry['dtype'] != 'F32':
            raise ValueError(f'tensor {name} is {entry["dtype"]}; only F32 is supported')
        begin, end = entry['data_offsets']
        t = torch.frombuffer(body[begin:end], dtype=torch.float32) if end > begin else torch.zeros(0)
        tensors[name] = t.reshape(entry['shape']).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes F32 tensors (name -> tensor) and string metadata as a safetensors file."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().cpu().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)


def load(path):
    """The network a Fovea safetensors file describes, with its weights, and the file's metadata."""
    tensors, meta = read_safetensors(path)
    model = FoveaGoogLeNet(int(meta['num_classes']), meta.get('head_on', 'pool5'), float(meta.get('dropout', 0.4)),
                           head_pooling=meta.get('head_pooling', 'average'))
    model.load_state_dict(tensors, strict=True)
    return model, meta


def save(model, path, metadata):
    write_safetensors(path, model.state_dict(), metadata)
