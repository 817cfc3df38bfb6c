import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import React from 'react';
import { REQUIRED_ALERT_FIELDS } from '../data/alertFrameFields';
import { TEST_IDS } from '../testIds';

/** While the first answer of the query is on its way. */
export function LoadingState() {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.center} data-testid={TEST_IDS.loading} aria-busy="true">
      <LoadingPlaceholder text="Loading alerts…" />
    </div>
  );
}

/** No alert to show: none received, or none left after the panel's filters. */
export function EmptyState({ received }: { received: number }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.center} data-testid={TEST_IDS.empty} role="status">
      <div className={styles.title}>No alerts to show</div>
      <div className={styles.text}>
        {received > 0
          ? `${received} alert${received === 1 ? '' : 's'} received, none matching the panel's minimum severity and statuses.`
          : 'The query returned no alerts for this time range. All quiet.'}
      </div>
    </div>
  );
}

/** The frames are not Lucid Alerts frames (e.g. the panel points at another data source or query type). */
export function SchemaMismatchState({ missing, frameNames }: { missing: string[]; frameNames: string[] }) {
  return (
    <div data-testid={TEST_IDS.schemaMismatch}>
      <Alert severity="warning" title="This data is not a Lucid Alerts table">
        Use the Lucid Alerts data source with the query type “Alerts”. Expected the fields{' '}
        {REQUIRED_ALERT_FIELDS.join(', ')}; missing {missing.join(', ')}
        {frameNames.length > 0 ? ` in ${frameNames.join(', ')}` : ''}.
      </Alert>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  center: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    height: '100%',
    textAlign: 'center',
    padding: theme.spacing(2),
  }),
  title: css({ fontSize: theme.typography.h5.fontSize, color: theme.colors.text.primary }),
  text: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(0.5), maxWidth: 420 }),
});
