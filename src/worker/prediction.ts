/**
 * From a model's rotation-averaged class probabilities for one image to what the studio shows: the
 * probabilities (temperature-scaled when the model's manifest carries a calibration temperature) and each
 * screening question of the manifest answered at its operating point. Pure: the worker runs the network.
 */
import { applyTemperature } from '../core/eval/calibration';
import { argmax } from '../core/eval/metrics';
import type { FoveaManifest, ImagePrediction, ScreeningDecision } from './protocol';

/** Quarter turns to average for a model: its manifest's testTimeRotations, or one pass when absent. */
export function predictionRotations(manifest: Pick<FoveaManifest, 'testTimeRotations'>): number[] {
  const turns = manifest.testTimeRotations;
  return turns && turns.length > 0 ? turns : [0];
}

/**
 * The screening questions of the manifest's summary answered for one image. The score is the summed
 * uncalibrated probability of the positive classes, because the thresholds were chosen on those.
 */
export function screeningDecisions(manifest: Pick<FoveaManifest, 'classNames' | 'screening'>, probs: readonly number[]): ScreeningDecision[] {
  const tasks = manifest.screening?.validation.binary ?? [];
  return tasks.flatMap((task) => {
    const indices = task.positiveClasses.map((name) => manifest.classNames.indexOf(name));
    if (indices.some((i) => i < 0)) return [];
    const score = indices.reduce((sum, i) => sum + probs[i], 0);
    const { threshold, targetSensitivity } = task.operatingPoint;
    // A threshold that did not survive JSON (NaN is written as null) answers nothing.
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) return [];
    return [{ id: task.id, title: task.title, score, threshold, targetSensitivity, positive: score >= threshold }];
  });
}

/** The prediction for one image from its class probabilities averaged over `rotations` quarter turns. */
export function readPrediction(manifest: FoveaManifest, averaged: readonly number[], rotations: number): ImagePrediction {
  const temperature = manifest.screening?.validation.calibration.temperature;
  const calibrated = typeof temperature === 'number' && Number.isFinite(temperature) && temperature > 0;
  const probs = calibrated ? applyTemperature([averaged], temperature)[0] : [...averaged];
  const screening = screeningDecisions(manifest, averaged);
  return {
    classNames: manifest.classNames,
    probs,
    predictedClass: argmax(probs),
    calibrated,
    rotations,
    ...(manifest.screening ? { screening } : {}),
  };
}
