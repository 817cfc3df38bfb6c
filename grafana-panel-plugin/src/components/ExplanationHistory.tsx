import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import React from 'react';
import type { AlertCardModel } from '../data/alertsViewModel';
import { TEST_IDS } from '../testIds';

interface Props {
  history: AlertCardModel['history'];
  /** Formats an epoch-ms time in the dashboard's time zone. */
  formatTime(ms: number): string;
}

/**
 * How the alert's explanation changed while it was open (lucid-route keeps the newest 10
 * changes): oldest first, each with its time, title, top cause and confidence, and the top
 * cause's evidence then. Shown only when the explanation changed at least once.
 */
export function ExplanationHistory({ history, formatTime }: Props) {
  const styles = useStyles2(getStyles);
  if (history.length < 2) {
    return null;
  }
  return (
    <section className={styles.section} aria-label="How the explanation changed" data-testid={TEST_IDS.history}>
      <h4 className={styles.heading}>
        <Icon name="history" size="sm" /> How the explanation changed
      </h4>
      <ol className={styles.list}>
        {history.map((h, i) => (
          <li key={`${h.tsMs}-${i}`} className={styles.entry} data-testid={TEST_IDS.historyEntry}>
            <time className={styles.time} dateTime={new Date(h.tsMs).toISOString()}>
              {formatTime(h.tsMs)}
            </time>
            <span className={styles.title}>{h.title}</span>
            {h.cause !== undefined && (
              <span className={styles.cause}>
                {h.cause}
                {h.confidence !== undefined && ` · ${Math.round(h.confidence * 100)}%`}
              </span>
            )}
            {h.evidence && h.evidence.length > 0 && (
              <ul className={styles.evidence}>
                {h.evidence.map((e, j) => (
                  <li key={j}>{e}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(1) }),
  heading: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    fontWeight: theme.typography.fontWeightMedium,
    margin: theme.spacing(0, 0, 0.5),
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: theme.spacing(0, 0, 0, 1),
    borderLeft: `2px solid ${theme.colors.border.weak}`,
  }),
  entry: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0, 1),
    padding: theme.spacing(0.25, 0),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  time: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
  title: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  cause: css({ color: theme.colors.text.secondary }),
  evidence: css({
    flexBasis: '100%',
    margin: 0,
    paddingLeft: theme.spacing(2),
    color: theme.colors.text.secondary,
  }),
});
