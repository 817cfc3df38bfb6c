/**
 * Deterministic number, quantity and duration formatting for explanations. Pure functions:
 * the same input always gives the same text (no locale, no wall clock).
 */

const MAX_DECIMALS = 6;

/**
 * Decimals needed to show `x` with `sig` significant digits (0 for integers ≥ 10^(sig-1)).
 * @param x - any finite number; 0 needs 0 decimals.
 * @param sig - significant digits, ≥ 1.
 */
export function decimalsFor(x: number, sig: number): number {
  const abs = Math.abs(x);
  if (!Number.isFinite(abs) || abs === 0) return 0;
  return Math.min(MAX_DECIMALS, Math.max(0, sig - 1 - Math.floor(Math.log10(abs))));
}

/** Fixed-decimal text without a negative zero. */
function fixed(x: number, decimals: number): string {
  const text = x.toFixed(decimals);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

/**
 * A number with `sig` significant digits (default 3), trailing zeros removed; integers of any
 * size are shown whole. `NaN`/`Infinity` print as `n/a`.
 * @example formatNumber(18.2345) === '18.2'; formatNumber(1234.5) === '1235'; formatNumber(0.012345) === '0.0123'
 */
export function formatNumber(x: number, sig = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  const text = fixed(x, decimalsFor(x, sig));
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/**
 * Numbers that appear together in one sentence (e.g. from, to and their difference) share their
 * decimals, chosen so that the largest shows 3 significant digits and the difference (`delta`) at
 * least 2: "from 23.05 to 23.12" rather than "from 23.1 to 23.1". Decimals that are zero in every
 * value are dropped together ("0.25 to 0.35", "24 to 25").
 * @returns the formatted values, in the order given.
 */
export function formatTogether(values: number[], delta?: number): string[] {
  const finite = values.filter(Number.isFinite);
  const largest = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let decimals = decimalsFor(largest, 3);
  if (delta !== undefined && Number.isFinite(delta) && delta !== 0)
    decimals = Math.max(decimals, decimalsFor(delta, 2));
  decimals = Math.min(decimals, MAX_DECIMALS);
  // Drop decimals that are zero in every value ("24.0 and 25.0" → "24 and 25"), keeping them aligned.
  while (decimals > 0 && finite.every((v) => Number(v.toFixed(decimals)) === Number(v.toFixed(decimals - 1))))
    decimals--;
  return values.map((v) => (Number.isFinite(v) ? fixed(v, decimals) : 'n/a'));
}

/**
 * Appends a unit symbol to formatted number text: no space before `%` and a bare `°`, one space
 * before any other symbol (SI style, "18.2 °C", "-71 dBm"), nothing when the unit is unknown (`''`).
 */
export function withUnit(text: string, unit: string): string {
  if (!unit) return text;
  if (unit === '%' || unit === '°') return `${text}${unit}`;
  return `${text} ${unit}`;
}

/** {@link formatNumber} followed by the unit ({@link withUnit}). */
export function formatQuantity(x: number, unit: string, sig = 3): string {
  return withUnit(formatNumber(x, sig), unit);
}

/**
 * A duration in the largest sensible unit with up to 2 significant digits: `45 s`, `5 min`,
 * `1.5 h`, `3 d`. Negative or non-finite durations print as `0 s`.
 * @param ms - duration in milliseconds.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 s';
  const s = ms / 1000;
  const two = (x: number) => formatNumber(x, 2);
  if (s < 59.5) return `${s < 1 ? formatNumber(s, 1) : Math.round(s)} s`;
  const min = s / 60;
  if (min < 59.5) return `${two(min)} min`;
  const h = min / 60;
  if (h < 23.5) return `${two(h)} h`;
  return `${two(h / 24)} d`;
}

/** Rate ratios up to this are quoted as numbers; above it, as "more than 100×". */
export const MAX_QUOTED_RATIO = 100;
/**
 * A rate ratio at least this large means the usual rate is, in practice, zero: the series was
 * flat (a usual rate 10⁴ times smaller than the change is below any sensor's resolution).
 */
export const FLAT_RATIO = 10_000;

/**
 * A ratio as "6×", "3.4×", "12×" (2 significant digits), capped: "more than 100×" above
 * {@link MAX_QUOTED_RATIO}. Non-finite ratios print as "more than 100×" too; callers say
 * "while it usually holds steady" for ratios ≥ {@link FLAT_RATIO} (see {@link describeRate}).
 */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio > MAX_QUOTED_RATIO) return `more than ${MAX_QUOTED_RATIO}×`;
  return `${formatNumber(ratio, 2)}×`;
}

/**
 * How a change compares with the metric's usual rate of change: "6× its usual rate of change",
 * "more than 100× its usual rate of change", or "while it usually holds steady" when the usual
 * rate is zero or ≥ {@link FLAT_RATIO} times smaller (a flat signal: a ratio of 10¹² says nothing).
 */
export function describeRate(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio >= FLAT_RATIO) return 'while it usually holds steady';
  return `${formatRatio(ratio)} its usual rate of change`;
}

/** Units of quantities that are themselves percentages (relative humidity, duty, state of charge). */
export const PERCENT_UNITS: ReadonlySet<string> = new Set(['%', '%RH', 'pct']);

/**
 * A change (difference) of a quantity with its unit: differences of percentages are percentage
 * points ("fell 17.1 percentage points", not "17.1 %"); others carry the unit ("rose 5.2 °C").
 */
export function withDeltaUnit(text: string, unit: string): string {
  if (PERCENT_UNITS.has(unit)) return `${text} percentage point${text === '1' ? '' : 's'}`;
  return withUnit(text, unit);
}

export { formatTimestamp } from '../contracts/time-format';
