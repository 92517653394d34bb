import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGoogLeNet, MODEL_DIR } from '../../../scripts/lib/node-model';
import { BLOCKS, SCENARIOS, type FreezeUpTo, type HeadPosition } from '../train/config';
import { blockOutputLayer, buildClassifier, disposeNetwork } from './classifier';
import { describeNetwork } from './diagram';
import { InvalidInputSizeError } from './input-size';

describe('describeNetwork (pure)', () => {
  it('lists the stem, inception 3a-5b, pool5 and the head in forward order', () => {
    const d = describeNetwork({ freezeUpTo: 'conv2', headOn: 'pool5', inputSize: 224, numClasses: 5 });
    expect(d.blocks.map((b) => b.label)).toEqual(
      ['conv1', 'conv2', '3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b', 'pool5', 'head'],
    );
  });

  it('gives the paper\'s shapes at 224 px (Szegedy et al. 2014, Table 1: 56x56x64 ... 7x7x1024)', () => {
    const d = describeNetwork({ freezeUpTo: 'conv2', headOn: 'pool5', inputSize: 224, numClasses: 5 });
    const shape = (id: string) => d.blocks.find((b) => b.id === id)!.outputShape;
    expect(shape('conv1')).toEqual([56, 56, 64]);
    expect(shape('conv2')).toEqual([28, 28, 192]);
    expect(shape('inception_3b')).toEqual([28, 28, 480]);
    expect(shape('inception_4e')).toEqual([14, 14, 832]);
    expect(shape('inception_5b')).toEqual([7, 7, 1024]);
    expect(shape('pool5')).toEqual([1024]);
    expect(shape('head')).toEqual([5]);
  });

  it('counts BVLC GoogLeNet\'s 6,998,552 parameters with a 1000-class head on pool5', () => {
    // The commonly quoted count for bvlc_googlenet without its auxiliary classifiers (checked against the real
    // model below); loss3/classifier is 1024 x 1000 + 1000 = 1,025,000 of them.
    const d = describeNetwork({ freezeUpTo: 'none', headOn: 'pool5', inputSize: 224, numClasses: 1000 });
    expect(d.totalParams).toBe(6_998_552);
    expect(d.blocks.find((b) => b.id === 'head')!.params).toBe(1_025_000);
  });

  it('marks frozen, trainable and unused blocks and where the head attaches', () => {
    const d = describeNetwork({ freezeUpTo: 'all', headOn: 'inception_4c', inputSize: 64, numClasses: 2 });
    const status = Object.fromEntries(d.blocks.map((b) => [b.id, b.status]));
    expect(status).toMatchObject({ conv1: 'frozen', inception_4c: 'frozen', inception_4d: 'unused', pool5: 'unused', head: 'trainable' });
    expect(d.blocks.filter((b) => b.headAttachesHere).map((b) => b.id)).toEqual(['inception_4c']);
    expect(d.trainableParams).toBe(512 * 2 + 2); // a 512 -> 2 dense layer
    expect(d.totalParams + d.unusedParams).toBe(6_998_552 - 1_025_000 + 512 * 2 + 2); // every pretrained block, plus the head
  });

  it('rejects an input size the network cannot take and fewer than 2 classes', () => {
    expect(() => describeNetwork({ freezeUpTo: 'all', headOn: 'pool5', inputSize: 100, numClasses: 2 })).toThrow(InvalidInputSizeError);
    expect(() => describeNetwork({ freezeUpTo: 'all', headOn: 'pool5', inputSize: 64, numClasses: 1 })).toThrow(/numClasses/);
  });
});

/** Re-applies every layer of `base` to an input of fixed size, so each symbolic tensor carries its shape. */
function shapesAt(base: tf.LayersModel, size: number): Map<string, number[]> {
  const input = tf.input({ shape: [size, size, 3] });
  const mapped = new Map<number, tf.SymbolicTensor>([[base.inputs[0].id, input]]);
  const shapes = new Map<string, number[]>();
  for (const layer of base.layers) {
    const node = layer.inboundNodes[0];
    const ins = node.inputTensors as tf.SymbolicTensor[];
    if (ins.length === 0 || layer.getClassName() === 'InputLayer') continue;
    const args = ins.map((t) => mapped.get(t.id)!);
    const out = layer.apply(args.length === 1 ? args[0] : args) as tf.SymbolicTensor;
    mapped.set((node.outputTensors[0] as tf.SymbolicTensor).id, out);
    shapes.set(layer.name, out.shape.slice(1) as number[]);
  }
  return shapes;
}

const sizeOf = (vars: tf.LayerVariable[]) => vars.reduce((n, v) => n + (v.shape as number[]).reduce((a, b) => a * b, 1), 0);

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('describeNetwork agrees with the real GoogLeNet (CPU backend)', () => {
  let base: tf.LayersModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    base = await loadGoogLeNet();
  });

  it('counts the converted model\'s own parameters (pretrained blocks plus the 1000-class layer)', () => {
    const d = describeNetwork({ freezeUpTo: 'none', headOn: 'pool5', inputSize: 224, numClasses: 1000 });
    expect(base.countParams()).toBe(d.totalParams);
  });

  const settings: { name: string; freezeUpTo: FreezeUpTo; headOn: HeadPosition }[] = [
    ...SCENARIOS.map((s) => ({ name: `scenario ${s.number}`, freezeUpTo: s.freezeUpTo, headOn: s.headOn })),
    { name: 'custom: freeze to 4b, head on 4e', freezeUpTo: 'inception_4b', headOn: 'inception_4e' },
    { name: 'custom: freeze to 3a, head on 3b', freezeUpTo: 'inception_3a', headOn: 'inception_3b' },
  ];
  for (const size of [64, 224]) {
    for (const s of settings) {
      it(`${s.name} at ${size} px: trainable and total parameters equal the built network's`, () => {
        const numClasses = size === 64 ? 2 : 5;
        const net = buildClassifier(base, { numClasses, headOn: s.headOn, freezeUpTo: s.freezeUpTo, dropout: 0.4, seed: 1 });
        const d = describeNetwork({ freezeUpTo: s.freezeUpTo, headOn: s.headOn, inputSize: size, numClasses });
        // What the trainer trains: trainer.ts's trainableVariables(net).
        expect(d.trainableParams).toBe(sizeOf([...net.headVariables, ...net.pretrainedVariables]));
        expect(d.trainableParams).toBe(sizeOf(net.suffix.trainableWeights));
        expect(d.totalParams).toBe(net.model.countParams());
        tf.dispose(net.headVariables.map((v) => v.read()));
      });
    }

    it(`each block's output shape at ${size} px equals the layer's computed output shape`, () => {
      const shapes = shapesAt(base, size);
      const d = describeNetwork({ freezeUpTo: 'none', headOn: 'pool5', inputSize: size, numClasses: 2 });
      for (const block of BLOCKS) {
        const b = d.blocks.find((x) => x.id === block)!;
        expect(b.outputLayer).toBe(blockOutputLayer(block));
        expect([block, ...shapes.get(b.outputLayer)!]).toEqual([block, ...b.outputShape]);
      }
      expect(shapes.get('pool5_7x7_s1')).toEqual(d.blocks.find((b) => b.id === 'pool5')!.outputShape);
    });
  }

  it('at 64 px the real forward pass gives those shapes too', () => {
    const d = describeNetwork({ freezeUpTo: 'none', headOn: 'pool5', inputSize: 64, numClasses: 2 });
    const probe = tf.model({
      inputs: base.inputs,
      outputs: BLOCKS.map((b) => base.getLayer(blockOutputLayer(b)).inboundNodes[0].outputTensors[0] as tf.SymbolicTensor),
    });
    const outs = tf.tidy(() => (probe.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor[]).map((t) => t.shape.slice(1)));
    expect(outs).toEqual(BLOCKS.map((b) => d.blocks.find((x) => x.id === b)!.outputShape));
  });

  it('frees the model', () => {
    disposeNetwork(base);
  });
});
