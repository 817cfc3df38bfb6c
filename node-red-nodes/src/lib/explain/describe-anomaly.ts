import type { AnomalyType } from '../contracts/types';
import { outsideRange } from './classify-anomaly';
import { placeName, type ExplainContext } from './explain-context';
import {
  describeRate,
  formatDuration,
  formatQuantity,
  formatTimestamp,
  formatTogether,
  withDeltaUnit,
  withUnit,
} from './format';
import type { PlaybookInsight } from './playbook';

/** Below this rate ratio the summary does not compare with the usual rate (nothing unusual to say). */
export const RATE_CLAUSE_MIN_RATIO = 1.5;

const TITLE_WORD: Record<string, string> = {
  spike: 'spike',
  drop: 'drop',
  level_shift: 'level shift',
  drift: 'drift',
};

/** " (zone B)" when the device's zone is declared, else "". */
function where(ctx: ExplainContext): string {
  return ctx.device.known || ctx.device.zone !== 'default' ? ` (${placeName('zone', ctx.device.zone)})` : '';
}

/** The short title, e.g. "Temperature spike on dev-007 (zone B)". */
export function describeTitle(ctx: ExplainContext, type: AnomalyType): string {
  const { primary, reading } = ctx;
  const dev = `${reading.deviceId}${where(ctx)}`;
  switch (type) {
    case 'stuck_sensor':
      return `${primary.label} sensor stuck on ${dev}`;
    case 'out_of_range':
      return `${primary.label} out of range on ${dev}`;
    case 'connectivity_loss':
      return `Connectivity lost on ${dev}`;
    case 'correlated_event': {
      const first = ctx.related[0];
      const place =
        first.relation === 'same line' ? placeName('line', first.place) : placeName('zone', first.place);
      const word = ctx.classification.direction === 'down' ? 'drop' : 'rise';
      return `${primary.label} ${word} across ${place} (${ctx.related.length + 1} devices)`;
    }
    default:
      return `${primary.label} ${TITLE_WORD[type] ?? type} on ${dev}`;
  }
}

/** "rose 18.2 °C in 5 min (from 23.1 to 41.3 °C), 6× its usual rate of change." or undefined without change evidence. */
function changeSentence(ctx: ExplainContext): string | undefined {
  const { ev, label, unit } = ctx.primary;
  const c = ev.change;
  if (!c || c.toValue === c.fromValue) return undefined;
  const delta = c.toValue - c.fromValue;
  const [from, to, size] = formatTogether([c.fromValue, c.toValue, Math.abs(delta)], delta);
  let sentence = `${label} ${delta > 0 ? 'rose' : 'fell'} ${withDeltaUnit(size, unit)} in ${formatDuration(c.durationMs)} (from ${from} to ${withUnit(to, unit)})`;
  const ratio = ctx.classification.rateRatio;
  if (ratio !== undefined && ratio >= RATE_CLAUSE_MIN_RATIO) sentence += `, ${describeRate(ratio)}`;
  return `${sentence}.`;
}

/** The primary metric's value, |deviation|, expected value and band, formatted with shared decimals. */
function primaryNumbers(ctx: ExplainContext): {
  value: string;
  dev: string;
  exp: string;
  lo: string;
  hi: string;
  side: 'above' | 'below';
} {
  const { ev } = ctx.primary;
  const delta = ev.value - ev.expected.value;
  const [value, dev, exp, lo, hi] = formatTogether(
    [ev.value, Math.abs(delta), ev.expected.value, ev.expected.lower, ev.expected.upper],
    delta,
  );
  return { value, dev, exp, lo, hi, side: delta < 0 ? 'below' : 'above' };
}

/** "5.2 °C above the expected 23.1 °C" */
function deviationClause(ctx: ExplainContext): { text: string; side: 'above' | 'below' } {
  const unit = ctx.primary.unit;
  const n = primaryNumbers(ctx);
  return {
    text: `${withDeltaUnit(n.dev, unit)} ${n.side} the expected ${withUnit(n.exp, unit)}`,
    side: n.side,
  };
}

/** " (usual range 21 to 25.2 °C)", or "" when the band is empty. */
function bandText(ctx: ExplainContext): string {
  const { ev, unit } = ctx.primary;
  if (!(ev.expected.upper > ev.expected.lower)) return '';
  const n = primaryNumbers(ctx);
  return ` (usual range ${n.lo} to ${withUnit(n.hi, unit)})`;
}

/**
 * The summary: one or two deterministic, unit-aware sentences with magnitude, duration and rate
 * against the usual rate, e.g. "Temperature rose 18.2 °C in 5 min (from 23.1 to 41.3 °C), 6× its
 * usual rate of change." Values carry the fleet unit; with an unknown unit they carry none.
 */
export function describeSummary(ctx: ExplainContext, type: AnomalyType): string {
  const { primary, reading, evidence, classification } = ctx;
  const { ev, label, unit } = primary;
  const ownType = type === 'correlated_event' ? classification.ownType : type;
  let text: string;
  switch (ownType) {
    case 'stuck_sensor': {
      const stuckValue = ev.stuck?.value ?? ev.value;
      const duration = ev.stuck ? ` for ${formatDuration(ev.stuck.durationMs)}` : '';
      const usual =
        ev.baseline.mad > 0
          ? `, while it usually varies by about ±${formatQuantity(1.4826 * ev.baseline.mad, unit, 2)}`
          : '';
      text = `${label} has been stuck at ${formatQuantity(stuckValue, unit)}${duration}${usual}.`;
      break;
    }
    case 'out_of_range': {
      const side = outsideRange(ev);
      if (side) {
        const limit = (side === 'above' ? ev.range?.max : ev.range?.min) as number;
        const [value, lim] = formatTogether([ev.value, limit], ev.value - limit);
        text = `${label} reads ${withUnit(value, unit)}, ${side} its physical ${side === 'above' ? 'maximum' : 'minimum'} of ${withUnit(lim, unit)}.`;
      } else {
        text = `${label} reads ${formatQuantity(ev.value, unit)}, outside the range its sensor can report.`;
      }
      break;
    }
    case 'connectivity_loss': {
      if (evidence.gap) {
        const every =
          evidence.gap.expectedIntervalMs > 0
            ? ` (expected a reading every ${formatDuration(evidence.gap.expectedIntervalMs)})`
            : '';
        text = `${reading.deviceId} sent no data for ${formatDuration(evidence.gap.silentForMs)}${every}; last reading at ${formatTimestamp(evidence.gap.lastSeenTsMs)}.`;
      } else {
        text = `${reading.deviceId} stopped reporting at ${formatTimestamp(reading.tsMs)}.`;
      }
      break;
    }
    default: {
      const change = changeSentence(ctx);
      const dev = deviationClause(ctx);
      const lasting = classification.excursionMs > 0 ? formatDuration(classification.excursionMs) : undefined;
      if (change) {
        text = change;
        if (ownType === 'level_shift')
          text += lasting
            ? ` It has stayed ${dev.side} the expected ${withUnit(primaryNumbers(ctx).exp, unit)} for ${lasting}.`
            : ` It is now ${dev.text}.`;
        else if (ownType === 'drift')
          text += ` It has been drifting ${classification.direction}${lasting ? ` for ${lasting}` : ''} and is ${dev.text}.`;
      } else {
        text = `${label} is ${withUnit(primaryNumbers(ctx).value, unit)}, ${dev.text}${bandText(ctx)}`;
        text += lasting && (ownType === 'level_shift' || ownType === 'drift') ? `, for ${lasting}.` : '.';
      }
    }
  }
  if (type === 'correlated_event' && ctx.related.length > 0) {
    const n = ctx.related.length;
    text += ` ${n} nearby device${n === 1 ? '' : 's'} moved the same way within ${formatDuration(ctx.correlationWindowMs)}.`;
  }
  return text;
}

/**
 * The insight about related devices, e.g. "Similar pattern on 2 nearby sensors in zone B:
 * possible localized overheating." The wording comes from the first playbook insight matching
 * the metric's unit, name and direction; undefined without related devices.
 */
export function describeInsight(ctx: ExplainContext): string | undefined {
  if (ctx.related.length === 0) return undefined;
  const first = ctx.related[0];
  const place =
    first.relation === 'same line' ? placeName('line', first.place) : placeName('zone', first.place);
  const metric = ctx.primary.ev.metric.toLowerCase();
  const matches = (i: PlaybookInsight) =>
    (i.unit === undefined || i.unit === ctx.primary.unit) &&
    (i.metrics === undefined || i.metrics.some((m) => m.toLowerCase() === metric)) &&
    (i.direction === undefined || i.direction === ctx.classification.direction);
  const insight = (ctx.playbook.insights ?? []).find(matches);
  const n = ctx.related.length;
  const what = insight ? insight.text : 'possible shared local cause';
  return `Similar pattern on ${n} nearby sensor${n === 1 ? '' : 's'} in ${place}: ${what}.`;
}
