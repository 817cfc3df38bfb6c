import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import React, { useId, useState } from 'react';
import type { AlertCardModel } from '../data/alertsViewModel';
import { TEST_IDS } from '../testIds';

interface Props {
  causes: AlertCardModel['causes'];
  /** Show every cause's evidence (the card is expanded). */
  expandAll: boolean;
}

/** Probable causes, most likely first, each with a confidence bar and its evidence on expand. */
export function CauseList({ causes, expandAll }: Props) {
  const styles = useStyles2(getStyles);
  if (causes.length === 0) {
    return null;
  }
  return (
    <section className={styles.section} aria-label="Probable causes">
      <h4 className={styles.heading}>Probable causes</h4>
      <ol className={styles.list}>
        {causes.map((c, i) => (
          <CauseItem key={`${c.id ?? c.cause}-${i}`} cause={c} forceOpen={expandAll} />
        ))}
      </ol>
    </section>
  );
}

function CauseItem({ cause, forceOpen }: { cause: AlertCardModel['causes'][number]; forceOpen: boolean }) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState(false);
  const evidenceId = useId();
  const pct = Math.round(Math.max(0, Math.min(1, cause.confidence)) * 100);
  const shown = open || forceOpen;
  return (
    <li className={styles.item} data-testid={TEST_IDS.cause}>
      <div className={styles.row}>
        <button
          type="button"
          className={styles.toggle}
          aria-expanded={shown}
          aria-controls={evidenceId}
          onClick={() => setOpen(!open)}
          data-testid={TEST_IDS.causeToggle}
          disabled={cause.evidence.length === 0}
          title={cause.evidence.length === 0 ? 'No evidence recorded' : shown ? 'Hide evidence' : 'Show evidence'}
        >
          {cause.evidence.length > 0 && <Icon name={shown ? 'angle-down' : 'angle-right'} size="sm" />}
          <span className={styles.name}>{cause.cause}</span>
        </button>
        <div
          className={styles.bar}
          role="meter"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          aria-label={`Confidence ${pct}%`}
          data-testid={TEST_IDS.confidenceBar}
        >
          <div className={styles.fill} style={{ width: `${pct}%` }} />
        </div>
        <span className={styles.pct}>{pct}%</span>
      </div>
      {shown && cause.evidence.length > 0 && (
        <ul id={evidenceId} className={styles.evidence} data-testid={TEST_IDS.causeEvidence}>
          {cause.evidence.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(1) }),
  heading: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    margin: theme.spacing(0, 0, 0.5),
    fontWeight: theme.typography.fontWeightMedium,
  }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  item: css({ minWidth: 0 }),
  row: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) minmax(48px, 120px) 3.5em',
    alignItems: 'center',
    gap: theme.spacing(1),
  }),
  toggle: css({
    all: 'unset',
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    minWidth: 0,
    cursor: 'pointer',
    color: theme.colors.text.primary,
    borderRadius: theme.shape.radius.default,
    '&:disabled': { cursor: 'default' },
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: 2 },
  }),
  name: css({ overflowWrap: 'anywhere' }),
  bar: css({
    height: theme.spacing(1),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.pill,
    overflow: 'hidden',
    border: `1px solid ${theme.colors.border.weak}`,
  }),
  fill: css({ height: '100%', background: theme.colors.primary.main }),
  pct: css({
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  evidence: css({
    margin: theme.spacing(0.5, 0, 0.5, 2.5),
    padding: 0,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
