import { colorManipulator, type GrafanaTheme2, ThresholdsMode } from '@grafana/data';
import {
  AxisPlacement,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  ScaleDirection,
  ScaleOrientation,
  VisibilityMode,
} from '@grafana/schema';
import { UPlotConfigBuilder } from '@grafana/ui';
import type uPlot from 'uplot';
import { formatWithUnit, type TrendModel } from '../data/trendModel';

/** Series indices of the aligned data (0 is time). */
export const TREND_SERIES = { observed: 1, expected: 2, lower: 3, upper: 4 } as const;

/** A plot ready for `UPlotChart`: its config and x-aligned data (`[tsMs[], observed[], expected[], lower[], upper[]]`). */
export interface TrendPlot {
  config: UPlotConfigBuilder;
  data: uPlot.AlignedData;
}

/**
 * Builds the trend overlay with Grafana's own uPlot builder (the one its time-series panel uses),
 * coloured from the theme: the observed series, the expected value (dashed), the expected band
 * (filled between lower and upper), the anomalous period shaded, the crossed threshold as a
 * dashed line and the crossing point circled. Values are formatted in the metric's unit.
 * @param compact - a sparkline: no axes.
 */
export function buildTrendPlot(model: TrendModel, theme: GrafanaTheme2, compact: boolean): TrendPlot {
  const builder = new UPlotConfigBuilder();
  const observedColor = theme.visualization.getColorByName('blue');
  const bandColor = theme.visualization.getColorByName('green');
  const anomalyColor = theme.colors.error.main;
  const yKey = model.unit ? `y:${model.unit}` : 'y';
  const format = (v: number) => formatWithUnit(v, model.unit);

  builder.setCursor({ show: false });
  builder.addScale({
    scaleKey: 'x',
    isTime: true,
    orientation: ScaleOrientation.Horizontal,
    direction: ScaleDirection.Right,
    range: () => [model.fromMs, model.toMs],
  });
  builder.addScale({ scaleKey: yKey, orientation: ScaleOrientation.Vertical, direction: ScaleDirection.Up });
  builder.addAxis({
    scaleKey: 'x',
    isTime: true,
    theme,
    show: !compact,
    placement: AxisPlacement.Bottom,
    timeZone: 'browser',
  });
  builder.addAxis({
    scaleKey: yKey,
    theme,
    show: !compact,
    placement: AxisPlacement.Left,
    formatValue: (v: number) => format(v),
    size: 72,
  });
  if (compact) {
    builder.setPadding([4, 4, 4, 4]);
  }

  builder.addSeries({
    scaleKey: yKey,
    theme,
    drawStyle: GraphDrawStyle.Line,
    lineColor: observedColor,
    lineWidth: 2,
    showPoints: VisibilityMode.Never,
    fillOpacity: 0,
    spanNulls: true,
  });
  builder.addSeries({
    scaleKey: yKey,
    theme,
    drawStyle: GraphDrawStyle.Line,
    lineColor: bandColor,
    lineWidth: 1,
    lineStyle: { fill: 'dash', dash: [4, 4] },
    showPoints: VisibilityMode.Never,
    spanNulls: true,
  });
  builder.addSeries({
    scaleKey: yKey,
    theme,
    drawStyle: GraphDrawStyle.Line,
    lineColor: bandColor,
    lineWidth: 0,
    showPoints: VisibilityMode.Never,
    spanNulls: true,
  });
  builder.addSeries({
    scaleKey: yKey,
    theme,
    drawStyle: GraphDrawStyle.Line,
    lineColor: bandColor,
    lineWidth: 0,
    showPoints: VisibilityMode.Never,
    spanNulls: true,
  });
  if (model.hasBand) {
    builder.addBand({
      series: [TREND_SERIES.upper, TREND_SERIES.lower],
      fill: colorManipulator.alpha(bandColor, 0.22),
    });
  }

  if (model.crossing) {
    builder.addThresholds({
      scaleKey: yKey,
      theme,
      config: { mode: GraphThresholdsStyleMode.Dashed },
      thresholds: {
        mode: ThresholdsMode.Absolute,
        steps: [
          { value: -Infinity, color: 'transparent' },
          { value: model.crossing.threshold, color: anomalyColor },
        ],
      },
    });
  }

  const anomaly = model.anomaly;
  if (anomaly) {
    builder.addHook('drawClear', (u: uPlot) => {
      const x0 = u.valToPos(anomaly.fromMs, 'x', true);
      const x1 = Math.max(u.valToPos(anomaly.toMs, 'x', true), x0 + 2 * devicePixelRatioOf());
      const ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = theme.colors.error.transparent;
      ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      ctx.restore();
    });
  }
  const crossing = model.crossing;
  if (crossing) {
    builder.addHook('draw', (u: uPlot) => {
      const x = u.valToPos(crossing.tsMs, 'x', true);
      const y = u.valToPos(crossing.value, yKey, true);
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = anomalyColor;
      ctx.fillStyle = theme.colors.background.primary;
      ctx.lineWidth = 2 * devicePixelRatioOf();
      ctx.beginPath();
      ctx.arc(x, y, 4 * devicePixelRatioOf(), 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      ctx.restore();
    });
  }

  const pts = model.points;
  const data: uPlot.AlignedData = [
    pts.map((p) => p.tsMs),
    pts.map((p) => p.value),
    pts.map((p) => p.expected ?? null),
    pts.map((p) => p.lower ?? null),
    pts.map((p) => p.upper ?? null),
  ];
  return { config: builder, data };
}

function devicePixelRatioOf(): number {
  return typeof window !== 'undefined' && window.devicePixelRatio ? window.devicePixelRatio : 1;
}
