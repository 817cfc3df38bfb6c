import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { LoadingPlaceholder, UPlotChart, useStyles2, useTheme2 } from '@grafana/ui';
import React, { useMemo } from 'react';
import type { AlertCardModel } from '../data/alertsViewModel';
import type { LucidPanelClient } from '../data/lucidClient';
import { formatWithUnit, toTrendModel, type TrendModel } from '../data/trendModel';
import { type DetailCache, useAlertDetail } from '../hooks/useAlertDetail';
import { useElementWidth } from '../hooks/useElementWidth';
import { TEST_IDS } from '../testIds';
import { buildTrendPlot } from '../trend/buildTrendPlot';

interface Props {
  card: AlertCardModel;
  client: LucidPanelClient | undefined;
  clientReady: boolean;
  cache: DetailCache;
  /** Larger, with axes (the card is expanded). */
  large: boolean;
  timeZone?: string;
}

/** The evidence window of an alert: observed series, expected band, anomaly period, threshold crossing. */
export function TrendOverlay({ card, client, clientReady, cache, large, timeZone }: Props) {
  const styles = useStyles2(getStyles);
  const state = useAlertDetail(client, cache, card.id, card.lastSeenMs, clientReady);
  const model = useMemo(
    () => (state.kind === 'ready' ? toTrendModel(state.detail.evidence, card) : undefined),
    [state, card]
  );
  if (state.kind === 'loading') {
    return (
      <div className={styles.placeholder}>
        <LoadingPlaceholder text="Loading evidence…" />
      </div>
    );
  }
  if (state.kind === 'unavailable' || !model) {
    return (
      <div className={styles.placeholder} data-testid={TEST_IDS.trendUnavailable}>
        {state.kind === 'unavailable' ? state.reason : 'No samples in the evidence window.'}
      </div>
    );
  }
  return <TrendChart model={model} large={large} timeZone={timeZone} />;
}

function TrendChart({ model, large, timeZone }: { model: TrendModel; large: boolean; timeZone?: string }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const height = large ? 180 : 64;
  const plot = useMemo(() => buildTrendPlot(model, theme, !large), [model, theme, large]);
  const caption = trendCaption(model, timeZone);
  return (
    <figure
      className={styles.figure}
      data-testid={TEST_IDS.trend}
      data-has-band={model.hasBand}
      data-metric={model.metric}
      data-large={large}
    >
      <div ref={ref} className={styles.chart} style={{ height }} role="img" aria-label={caption}>
        {width > 0 && <UPlotChart config={plot.config} data={plot.data} width={width} height={height} />}
      </div>
      <figcaption className={styles.caption}>
        <span className={styles.legend}>
          <span className={styles.swatch} style={{ background: theme.visualization.getColorByName('blue') }} />{' '}
          {model.metric}
        </span>
        {model.hasBand && (
          <span className={styles.legend} data-testid={TEST_IDS.trendBand}>
            <span
              className={styles.swatch}
              style={{ background: theme.visualization.getColorByName('green'), opacity: 0.5 }}
            />{' '}
            expected band
          </span>
        )}
        {model.anomaly && (
          <span className={styles.legend}>
            <span
              className={styles.swatch}
              style={{ background: theme.colors.error.transparent, border: `1px solid ${theme.colors.error.border}` }}
            />{' '}
            anomaly
          </span>
        )}
        <span data-testid={TEST_IDS.trendCaption}>{crossingText(model, timeZone)}</span>
      </figcaption>
    </figure>
  );
}

function crossingText(model: TrendModel, timeZone?: string): string {
  const c = model.crossing;
  if (!c) {
    return '';
  }
  const what =
    c.bound === 'max' ? 'maximum' : c.bound === 'min' ? 'minimum' : c.bound === 'upper' ? 'upper bound' : 'lower bound';
  return `Crossed ${what} ${formatWithUnit(c.threshold, model.unit)} at ${dateTimeFormat(c.tsMs, { timeZone, format: 'HH:mm:ss' })} (${formatWithUnit(c.value, model.unit)})`;
}

/** The chart in words, for screen readers. */
export function trendCaption(model: TrendModel, timeZone?: string): string {
  const last = model.points[model.points.length - 1];
  const parts = [`${model.metric} over the evidence window, last ${formatWithUnit(last.value, model.unit)}`];
  if (last.lower !== undefined && last.upper !== undefined) {
    parts.push(
      `expected between ${formatWithUnit(last.lower, model.unit)} and ${formatWithUnit(last.upper, model.unit)}`
    );
  }
  const crossing = crossingText(model, timeZone);
  if (crossing) {
    parts.push(crossing);
  }
  return parts.join('; ');
}

const getStyles = (theme: GrafanaTheme2) => ({
  figure: css({ margin: theme.spacing(1, 0, 0), minWidth: 0 }),
  chart: css({ width: '100%', overflow: 'hidden' }),
  caption: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5, 1.5),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
  legend: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  swatch: css({
    display: 'inline-block',
    width: theme.spacing(1.5),
    height: theme.spacing(1),
    borderRadius: theme.shape.radius.default,
  }),
  placeholder: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(1),
    minHeight: theme.spacing(3),
  }),
});
