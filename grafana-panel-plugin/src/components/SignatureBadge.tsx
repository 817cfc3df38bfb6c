import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, Tooltip, useStyles2 } from '@grafana/ui';
import React from 'react';
import { type SignatureCheck, SignatureState } from '../data/verifyAlertSignature';
import { TEST_IDS } from '../testIds';

interface Props {
  check: SignatureCheck | undefined;
}

const LABELS: Record<SignatureState, string> = {
  [SignatureState.Verified]: 'Signature verified',
  [SignatureState.Unverified]: 'Unverified',
  [SignatureState.Invalid]: 'Signature invalid',
};

/** Shows whether the alert's Ed25519 signature checks with the store's public key. */
export function SignatureBadge({ check }: Props) {
  const styles = useStyles2(getStyles);
  const state = check?.state;
  const label = state ? LABELS[state] : 'Checking signature…';
  const reason = check?.reason ?? 'Checking the signature with the store’s public key.';
  const icon =
    state === SignatureState.Verified ? 'lock' : state === SignatureState.Invalid ? 'exclamation-triangle' : 'unlock';
  return (
    <Tooltip content={reason}>
      <span
        className={`${styles.badge} ${state === SignatureState.Verified ? styles.verified : state === SignatureState.Invalid ? styles.invalid : styles.unverified}`}
        data-testid={TEST_IDS.signature}
        data-state={state ?? 'checking'}
        tabIndex={0}
        aria-label={`${label}. ${reason}`}
      >
        <Icon name={icon} size="sm" />
        <span className={styles.text}>{label}</span>
      </span>
    </Tooltip>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  badge: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.25, 0.75),
    borderRadius: theme.shape.radius.default,
    border: `1px solid ${theme.colors.border.medium}`,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: 1 },
  }),
  text: css({ [theme.breakpoints.down('sm')]: { display: 'none' } }),
  verified: css({ color: theme.colors.success.text, borderColor: theme.colors.success.border }),
  invalid: css({
    color: theme.colors.error.text,
    borderColor: theme.colors.error.border,
    fontWeight: theme.typography.fontWeightMedium,
  }),
  unverified: css({ color: theme.colors.text.secondary }),
});
