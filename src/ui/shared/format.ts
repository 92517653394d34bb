/**
 * Number formatting for the screens. Figures (percentages, decimals, durations) come from the one formatter of
 * core (core/eval/format.ts), so a screen, report.html and the model card write them alike; what only screens
 * need (bytes, plurals, lists) is here.
 */
export { formatPercent as percent, formatFixed as fixed, formatDuration as duration } from '../../core/eval/format';

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
