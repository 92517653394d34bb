/** What the studio reports about a model on the validation set (plain data: safe to post and to store). */

export interface RocCurve {
  /** Ascending false-positive rates, starting at 0 and ending at 1. */
  fpr: number[];
  /** True-positive rates at the same thresholds. */
  tpr: number[];
  auc: number;
}

export interface ClassReport {
  name: string;
  /** Number of validation images of this class. */
  support: number;
  /** Recall of this class: TP / (TP + FN); NaN when support is 0. */
  sensitivity: number;
  /** TN / (TN + FP) treating this class as positive and every other class as negative. */
  specificity: number;
  /** One-vs-rest ROC of this class's probability; undefined when the class or its complement is absent. */
  roc?: RocCurve;
}

export interface Prediction {
  /** Image id (as in the dataset). */
  id: string;
  trueClass: number;
  predictedClass: number;
  /** Softmax probabilities, one per class. */
  probs: number[];
}

export interface EvalReport {
  classNames: string[];
  /** Number of images evaluated. */
  count: number;
  accuracy: number;
  /** Mean cross-entropy loss. */
  loss: number;
  /** confusion[true][predicted] = count. */
  confusion: number[][];
  perClass: ClassReport[];
  /** Mean of the per-class one-vs-rest AUCs that exist (for 2 classes: the positive class's AUC). */
  macroAuc: number;
  /** Quadratic-weighted Cohen's kappa; only for ordered labels (e.g. DR grades), else undefined. */
  quadraticKappa?: number;
  predictions: Prediction[];
}
