/**
 * GoogLeNet as a diagram: each block's output shape and parameter count at a given input size, and whether it
 * is frozen, trains or is not used by a run's settings. A pure function of the settings (no tfjs), so the UI
 * redraws it as the settings change; classifier.ts builds the same network, and diagram.test.ts checks that
 * both agree with the real model's trainable-parameter counts and shapes.
 */
import { BLOCKS, type BlockName, type FreezeUpTo, type HeadPosition } from '../train/config';
import { assertValidInputSize } from './input-size';

export interface NetworkDiagramConfig {
  freezeUpTo: FreezeUpTo;
  headOn: HeadPosition;
  /** Square input side in px (a multiple of 32 from 64). */
  inputSize: number;
  /** Classes of the new head. */
  numClasses: number;
}

export type BlockStatus = 'frozen' | 'trainable' | 'unused';
export type DiagramBlockId = BlockName | 'pool5' | 'head';

export interface DiagramBlock {
  id: DiagramBlockId;
  /** Short label: 'conv1', '3a', 'pool5', 'head'. */
  label: string;
  stage: 'stem' | 'inception' | 'top';
  /** The tfjs layer whose output is this block's output. */
  outputLayer: string;
  /** [height, width, channels] for maps, [features] after global pooling. */
  outputShape: number[];
  params: number;
  status: BlockStatus;
  /** The new head reads this block's output (globally pooled when it is a map). */
  headAttachesHere: boolean;
}

export interface NetworkDescription {
  blocks: DiagramBlock[];
  /** Parameters the run trains (the new head's plus those of trainable pretrained blocks). */
  trainableParams: number;
  /** Parameters of the run's network: every used block plus the head (unused blocks are not in it). */
  totalParams: number;
  /** Parameters of the pretrained blocks the run leaves out (after the head's attachment point). */
  unusedParams: number;
}

/**
 * An inception module's branch widths, from the GoogLeNet paper's Table 1 (Szegedy et al. 2014), which
 * BVLC's deploy.prototxt follows: 1x1 | 3x3 reduce, 3x3 | 5x5 reduce, 5x5 | pool projection.
 */
interface InceptionSpec {
  n1x1: number;
  n3x3reduce: number;
  n3x3: number;
  n5x5reduce: number;
  n5x5: number;
  poolProj: number;
}

const INCEPTION: Record<Exclude<BlockName, 'conv1' | 'conv2'>, InceptionSpec> = {
  inception_3a: { n1x1: 64, n3x3reduce: 96, n3x3: 128, n5x5reduce: 16, n5x5: 32, poolProj: 32 },
  inception_3b: { n1x1: 128, n3x3reduce: 128, n3x3: 192, n5x5reduce: 32, n5x5: 96, poolProj: 64 },
  inception_4a: { n1x1: 192, n3x3reduce: 96, n3x3: 208, n5x5reduce: 16, n5x5: 48, poolProj: 64 },
  inception_4b: { n1x1: 160, n3x3reduce: 112, n3x3: 224, n5x5reduce: 24, n5x5: 64, poolProj: 64 },
  inception_4c: { n1x1: 128, n3x3reduce: 128, n3x3: 256, n5x5reduce: 24, n5x5: 64, poolProj: 64 },
  inception_4d: { n1x1: 112, n3x3reduce: 144, n3x3: 288, n5x5reduce: 32, n5x5: 64, poolProj: 64 },
  inception_4e: { n1x1: 256, n3x3reduce: 160, n3x3: 320, n5x5reduce: 32, n5x5: 128, poolProj: 128 },
  inception_5a: { n1x1: 256, n3x3reduce: 160, n3x3: 320, n5x5reduce: 32, n5x5: 128, poolProj: 128 },
  inception_5b: { n1x1: 384, n3x3reduce: 192, n3x3: 384, n5x5reduce: 48, n5x5: 128, poolProj: 128 },
};

/** Weights plus biases of a k x k convolution. */
const convParams = (k: number, inC: number, outC: number) => k * k * inC * outC + outC;

const inceptionParams = (inC: number, s: InceptionSpec) =>
  convParams(1, inC, s.n1x1) +
  convParams(1, inC, s.n3x3reduce) + convParams(3, s.n3x3reduce, s.n3x3) +
  convParams(1, inC, s.n5x5reduce) + convParams(5, s.n5x5reduce, s.n5x5) +
  convParams(1, inC, s.poolProj);

const inceptionChannels = (s: InceptionSpec) => s.n1x1 + s.n3x3 + s.n5x5 + s.poolProj;

/** Spatial downsampling at each block's output: conv1 (stride-2 conv, pool1) /4, pool2 /8, pool3 /16, pool4 /32. */
function strideOf(block: BlockName): number {
  if (block === 'conv1') return 4;
  if (block === 'conv2' || block.startsWith('inception_3')) return 8;
  if (block.startsWith('inception_4')) return 16;
  return 32;
}

export const shortBlockLabel = (id: DiagramBlockId): string => id.replace(/^inception_/, '');

function blockOutputLayerName(block: BlockName): string {
  if (block === 'conv1') return 'pool1_norm1';
  if (block === 'conv2') return 'pool2_3x3_s2';
  return `${block}_output`;
}

export class InvalidDiagramConfigError extends Error {
  override name = 'InvalidDiagramConfigError';
  constructor(readonly field: string, readonly value: unknown, expected: string) {
    super(`Network diagram setting '${field}' is ${JSON.stringify(value)}; expected ${expected}.`);
  }
}

/** Every block of the run's network at `config`'s input size, with what trains (see NetworkDescription). */
export function describeNetwork(config: NetworkDiagramConfig): NetworkDescription {
  const { freezeUpTo, headOn, inputSize, numClasses } = config;
  assertValidInputSize(inputSize);
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new InvalidDiagramConfigError('numClasses', numClasses, 'a whole number of at least 2');
  }
  const frozenUntil = freezeUpTo === 'none' ? -1 : freezeUpTo === 'all' ? BLOCKS.length : BLOCKS.indexOf(freezeUpTo);
  const lastUsed = headOn === 'pool5' ? BLOCKS.length - 1 : BLOCKS.indexOf(headOn);
  // As classifier.ts: a block is frozen when it is at or before freezeUpTo; 'all' freezes pool5 too.
  const statusOf = (index: number): BlockStatus =>
    index > lastUsed ? 'unused' : index <= frozenUntil ? 'frozen' : 'trainable';

  const blocks: DiagramBlock[] = [];
  let channels = 3;
  BLOCKS.forEach((block, i) => {
    let params: number;
    if (block === 'conv1') {
      params = convParams(7, 3, 64);
      channels = 64;
    } else if (block === 'conv2') {
      params = convParams(1, 64, 64) + convParams(3, 64, 192);
      channels = 192;
    } else {
      const spec = INCEPTION[block];
      params = inceptionParams(channels, spec);
      channels = inceptionChannels(spec);
    }
    const side = inputSize / strideOf(block);
    blocks.push({
      id: block,
      label: shortBlockLabel(block),
      stage: block.startsWith('conv') ? 'stem' : 'inception',
      outputLayer: blockOutputLayerName(block),
      outputShape: [side, side, channels],
      params,
      status: statusOf(i),
      headAttachesHere: block === headOn,
    });
  });
  blocks.push({
    id: 'pool5', label: 'pool5', stage: 'top', outputLayer: 'pool5_7x7_s1', outputShape: [channels], params: 0,
    status: headOn !== 'pool5' ? 'unused' : freezeUpTo === 'all' ? 'frozen' : 'trainable',
    headAttachesHere: headOn === 'pool5',
  });
  const headInputs = headOn === 'pool5' ? channels : blocks[BLOCKS.indexOf(headOn)].outputShape[2];
  blocks.push({
    id: 'head', label: 'head', stage: 'top', outputLayer: 'fovea_classifier', outputShape: [numClasses],
    params: headInputs * numClasses + numClasses, status: 'trainable', headAttachesHere: false,
  });

  const sum = (status: BlockStatus | 'used') =>
    blocks
      .filter((b) => (status === 'used' ? b.status !== 'unused' : b.status === status))
      .reduce((total, b) => total + b.params, 0);
  return { blocks, trainableParams: sum('trainable'), totalParams: sum('used'), unusedParams: sum('unused') };
}
