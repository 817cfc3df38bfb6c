import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { Severity } from 'node-red-contrib-lucid';
import React from 'react';
import { TEST_IDS } from '../testIds';
import { severityColors } from './severityColors';

interface Props {
  severity: Severity | string;
}

/** The severity as a coloured pill with its name (colour is never the only cue). */
export function SeverityBadge({ severity }: Props) {
  const theme = useTheme2();
  const { background, text } = severityColors(theme, severity);
  const styles = useStyles2(getStyles);
  return (
    <span
      className={styles.badge}
      style={{ background, color: text }}
      data-testid={TEST_IDS.severity}
      data-severity={severity}
    >
      {severity}
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  badge: css({
    display: 'inline-block',
    padding: theme.spacing(0.25, 1),
    borderRadius: theme.shape.radius.pill,
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightBold,
    textTransform: 'uppercase',
    letterSpacing: '0.03em',
    lineHeight: theme.typography.bodySmall.lineHeight,
    whiteSpace: 'nowrap',
  }),
});
