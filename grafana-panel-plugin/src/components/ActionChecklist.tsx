import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Checkbox, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';
import type { AlertCardModel } from '../data/alertsViewModel';
import { TEST_IDS } from '../testIds';

interface Props {
  actions: AlertCardModel['actions'];
}

/** Recommended actions from the playbook as a checklist (ticks are local to this view). */
export function ActionChecklist({ actions }: Props) {
  const styles = useStyles2(getStyles);
  const [done, setDone] = useState<ReadonlySet<number>>(new Set());
  if (actions.length === 0) {
    return null;
  }
  const toggle = (i: number) => {
    const next = new Set(done);
    if (next.has(i)) {
      next.delete(i);
    } else {
      next.add(i);
    }
    setDone(next);
  };
  return (
    <section className={styles.section} aria-label="Recommended actions" data-testid={TEST_IDS.actions}>
      <h4 className={styles.heading}>
        Recommended actions{' '}
        <span className={styles.progress}>
          ({done.size}/{actions.length})
        </span>
      </h4>
      <ul className={styles.list}>
        {actions.map((a, i) => (
          <li key={i} className={styles.item}>
            <Checkbox value={done.has(i)} onChange={() => toggle(i)} label={a.action} description={a.why} />
          </li>
        ))}
      </ul>
    </section>
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
  progress: css({ fontWeight: theme.typography.fontWeightRegular }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  item: css({ minWidth: 0, overflowWrap: 'anywhere' }),
});
