/** Number formatting for the screens, in one place so every screen says "72.4 %" the same way. */

export function percent(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)} %`;
}

export function fixed(x: number | undefined, digits = 3): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** "a, b, c and 4 more" */
export function listSome(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** Learning rates and weight decays: 0.01, 1e-4. */
export function compactNumber(x: number): string {
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(0);
  return String(Number(x.toPrecision(4)));
}
