/**
 * Two-dimensional PCA of feature rows (pooled features of the validation images), for a map coloured by
 * class. No tfjs: power iteration on the covariance, applied as X^T (X v) / (n - 1) so a 1024-wide feature
 * never needs a 1024 x 1024 matrix. Deterministic: fixed starting vectors and a sign convention.
 */

export interface Pca2d {
  /** Per-feature mean that was subtracted. */
  mean: Float64Array;
  /** The two principal directions (unit length, orthogonal), largest variance first. */
  components: [Float64Array, Float64Array];
  /** Variance of the rows along each component (the covariance's eigenvalues, divided by n - 1). */
  variance: [number, number];
  /** Share of the total variance each component explains, 0..1. */
  explained: [number, number];
  /** Each row's coordinates on the two components. */
  points: [number, number][];
}

export interface PcaConfig {
  /** Power-iteration steps per component at most. Defaults to 500. */
  maxIterations?: number;
  /** Stop when no entry of the unit direction moves by more than this in a step. Defaults to 1e-12. */
  tolerance?: number;
}

export class InvalidPcaInputError extends Error {
  override name = 'InvalidPcaInputError';
}

type Row = ArrayLike<number>;

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const normalise = (v: Float64Array) => {
  const n = Math.sqrt(dot(v, v));
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return n;
};
const removeComponent = (v: Float64Array, unit: Float64Array) => {
  const p = dot(v, unit);
  for (let i = 0; i < v.length; i++) v[i] -= p * unit[i];
};

/** The sign convention: the entry of largest magnitude is positive (the first such entry on ties). */
function fixSign(v: Float64Array): void {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[best])) best = i;
  if (v[best] < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i];
}

/** The two principal components of `rows` (n rows of d features, n >= 2) and each row's coordinates on them. */
export function pca2d(rows: readonly Row[], config: PcaConfig = {}): Pca2d {
  const n = rows.length;
  if (n < 2) throw new InvalidPcaInputError(`PCA needs at least 2 rows, got ${n}`);
  const d = rows[0].length;
  if (d < 2) throw new InvalidPcaInputError(`PCA to 2-D needs at least 2 features, got ${d}`);
  const bad = rows.findIndex((r) => r.length !== d);
  if (bad >= 0) throw new InvalidPcaInputError(`row ${bad} has ${rows[bad].length} features, row 0 has ${d}`);
  const maxIterations = config.maxIterations ?? 500;
  const tolerance = config.tolerance ?? 1e-12;

  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const centred = rows.map((r) => Float64Array.from({ length: d }, (_, j) => r[j] - mean[j]));
  const totalVariance = centred.reduce((s, r) => s + dot(r, r), 0) / (n - 1);

  const covTimes = (v: Float64Array) => {
    const out = new Float64Array(d);
    for (const r of centred) {
      const p = dot(r, v) / (n - 1);
      for (let j = 0; j < d; j++) out[j] += p * r[j];
    }
    return out;
  };

  const found: Float64Array[] = [];
  const variance: number[] = [];
  for (let k = 0; k < 2; k++) {
    // Start from the centred row with the most variance left: never orthogonal to every remaining direction.
    const residual = centred.map((r) => {
      const v = Float64Array.from(r);
      for (const c of found) removeComponent(v, c);
      return v;
    });
    let v = residual.reduce((a, b) => (dot(b, b) > dot(a, a) ? b : a));
    if (normalise(v) === 0) {
      v = new Float64Array(d); // no variance left: any unit vector orthogonal to the first
      v[found.length && Math.abs(found[0][0]) > 0.9 ? 1 : 0] = 1;
      for (const c of found) removeComponent(v, c);
      normalise(v);
    }
    for (let it = 0; it < maxIterations; it++) {
      const next = covTimes(v);
      for (const c of found) removeComponent(next, c);
      if (normalise(next) === 0) break;
      const sign = dot(next, v) < 0 ? -1 : 1;
      let moved = 0;
      for (let j = 0; j < d; j++) moved = Math.max(moved, Math.abs(sign * next[j] - v[j]));
      v = next;
      if (moved < tolerance) break;
    }
    fixSign(v);
    found.push(v);
    variance.push(dot(v, covTimes(v)));
  }
  const components = found as [Float64Array, Float64Array];
  return {
    mean,
    components,
    variance: variance as [number, number],
    explained: variance.map((v) => (totalVariance > 0 ? v / totalVariance : 0)) as [number, number],
    points: centred.map((r) => [dot(r, components[0]), dot(r, components[1])]),
  };
}

/** Coordinates of new rows on an existing PCA's axes. */
export function projectPca(pca: Pca2d, rows: readonly Row[]): [number, number][] {
  return rows.map((r) => {
    let a = 0;
    let b = 0;
    for (let j = 0; j < pca.mean.length; j++) {
      const c = r[j] - pca.mean[j];
      a += c * pca.components[0][j];
      b += c * pca.components[1][j];
    }
    return [a, b];
  });
}
