import { css, cx } from '@emotion/css';
import { dateTimeFormat, dateTimeFormatTimeAgo, type GrafanaTheme2 } from '@grafana/data';
import { Alert as AlertBox, Button, Icon, Tag, useStyles2 } from '@grafana/ui';
import React, { useId, useState } from 'react';
import type { AlertCardModel, Verdict } from '../data/alertsViewModel';
import type { LucidPanelClient } from '../data/lucidClient';
import type { CardOverride } from '../data/optimisticAction';
import type { SignatureCheck } from '../data/verifyAlertSignature';
import type { DetailCache } from '../hooks/useAlertDetail';
import { describeAdaptation, useAdaptationsFor } from '../hooks/useAdaptationsFor';
import { TEST_IDS } from '../testIds';
import type { AlertsPanelOptions } from '../types';
import { ActionChecklist } from './ActionChecklist';
import { CauseList } from './CauseList';
import { ExplanationHistory } from './ExplanationHistory';
import { FeedbackBar } from './FeedbackBar';
import { NarrativeNote } from './NarrativeNote';
import { SeverityBadge } from './SeverityBadge';
import { SignatureBadge } from './SignatureBadge';
import { TrendOverlay } from './TrendOverlay';

export interface AlertCardProps {
  /** The card as shown (override applied). */
  card: AlertCardModel;
  override?: CardOverride;
  options: Pick<AlertsPanelOptions, 'showTrend' | 'showActions' | 'compact'>;
  client?: LucidPanelClient;
  /** False while the data source is being looked up. */
  clientReady: boolean;
  detailCache: DetailCache;
  signature?: SignatureCheck;
  /** False hides the feedback buttons (the user cannot act here). */
  canAct: boolean;
  /** Set when the buttons are shown but disabled (e.g. the store refused the token). */
  disabledReason?: string;
  onAct(card: AlertCardModel, verdict: Verdict, comment?: string): void;
  timeZone?: string;
  /** Epoch ms used for relative times (re-rendered by the panel). */
  nowMs: number;
}

/** One alert: what happened, why, what to do, the evidence, and the operator's verdict buttons. */
export function AlertCard({
  card,
  override,
  options,
  client,
  clientReady,
  detailCache,
  signature,
  canAct,
  disabledReason,
  onAct,
  timeZone,
  nowMs,
}: AlertCardProps) {
  const styles = useStyles2(getStyles);
  const [expanded, setExpanded] = useState(false);
  const titleId = useId();
  const detailsId = useId();
  const adaptations = useAdaptationsFor(client, card.id, override?.accepted);
  const abs = (ms: number) => dateTimeFormat(ms, { timeZone });
  const ago = (ms: number) => dateTimeFormatTimeAgo(Math.min(ms, nowMs), { timeZone });
  const showDetails = !options.compact || expanded;
  const where = [card.deviceId, card.site, card.zone].filter(Boolean).join(' · ');

  return (
    <article
      className={cx(styles.card, options.compact && styles.compact)}
      aria-labelledby={titleId}
      data-testid={TEST_IDS.card(card.id)}
      data-priority={card.priority}
      data-status={card.status}
      data-severity={card.severity}
    >
      <header className={styles.header}>
        <SeverityBadge severity={card.severity} />
        <span
          className={styles.priority}
          data-testid={TEST_IDS.priority}
          title="Priority 0–100 (severity × criticality × confidence × blast radius × recurrence)"
        >
          P{Math.round(card.priority)}
        </span>
        <h3 id={titleId} className={styles.title} data-testid={TEST_IDS.title}>
          {card.title}
        </h3>
        <span
          className={cx(styles.status, card.status === 'open' ? styles.statusOpen : undefined)}
          data-testid={TEST_IDS.status}
        >
          {override?.pending ? `${card.status}…` : card.status}
        </span>
        <SignatureBadge check={signature} />
        <Button
          size="sm"
          variant="secondary"
          fill="text"
          icon={expanded ? 'angle-up' : 'angle-down'}
          aria-expanded={expanded}
          aria-controls={detailsId}
          aria-label={expanded ? `Collapse ${card.title}` : `Expand ${card.title}`}
          onClick={() => setExpanded(!expanded)}
          data-testid={TEST_IDS.expand}
        />
      </header>
      <div className={styles.meta}>
        <span className={styles.where}>
          <Icon name="cube" size="sm" /> {where}
          {card.metric ? ` · ${card.metric}` : ''}
        </span>
        <span data-testid={TEST_IDS.time}>
          <time dateTime={new Date(card.firstSeenMs).toISOString()} title={abs(card.firstSeenMs)}>
            {ago(card.firstSeenMs)}
          </time>{' '}
          <span className={styles.abs}>({abs(card.firstSeenMs)})</span>
        </span>
        {card.count > 1 && (
          <span data-testid={TEST_IDS.repeats} title="De-duplicated repeats of this alert">
            ×{card.count}, last seen {ago(card.lastSeenMs)}
          </span>
        )}
      </div>
      <p className={cx(styles.summary, !showDetails && styles.clamp)} data-testid={TEST_IDS.summary}>
        {card.summary}
      </p>
      <div id={detailsId}>
        {showDetails && (
          <>
            {card.narrative && <NarrativeNote narrative={card.narrative} formatTime={abs} />}
            {card.insight && <p className={styles.insight}>{card.insight}</p>}
            {options.showTrend && (
              <TrendOverlay
                card={card}
                client={client}
                clientReady={clientReady}
                cache={detailCache}
                large={expanded}
                timeZone={timeZone}
              />
            )}
            <div className={styles.columns}>
              <CauseList causes={card.causes} expandAll={expanded} />
              {options.showActions && <ActionChecklist actions={card.actions} />}
            </div>
            <ExplanationHistory history={card.history} formatTime={abs} />
            {card.related.length > 0 && (
              <div className={styles.related} data-testid={TEST_IDS.related}>
                <span className={styles.label}>Related devices</span>
                {card.related.map((r) => (
                  <Tag
                    key={r.deviceId}
                    name={`${r.deviceId} · ${r.relation} · ${Math.round(r.similarity * 100)}%`}
                    colorIndex={7}
                  />
                ))}
              </div>
            )}
          </>
        )}
        {canAct && (
          <FeedbackBar
            status={card.status}
            counts={card.feedback}
            pending={override?.pending}
            disabledReason={disabledReason}
            onAct={(v, c) => onAct(card, v, c)}
          />
        )}
        {override?.error && (
          <div data-testid={TEST_IDS.actionError} role="alert">
            <AlertBox
              severity="error"
              title="The store refused the action; the card shows the stored state again."
              bottomSpacing={0}
              topSpacing={1}
            >
              {override.error}
            </AlertBox>
          </div>
        )}
        {adaptations.length > 0 && (
          <ul className={styles.adaptations} data-testid={TEST_IDS.adaptation} aria-live="polite">
            {adaptations.map((a) => (
              <li key={a.id}>
                <Icon name="sliders-v-alt" size="sm" /> {describeAdaptation(a, abs)}{' '}
                <span className={styles.abs}>
                  ({a.createdBy}: {a.reason})
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </article>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1, 1.5),
    minWidth: 0,
    '&:focus-within': { borderColor: theme.colors.border.medium },
  }),
  compact: css({ padding: theme.spacing(0.5, 1) }),
  header: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap', minWidth: 0 }),
  priority: css({
    fontVariantNumeric: 'tabular-nums',
    fontWeight: theme.typography.fontWeightBold,
    color: theme.colors.text.primary,
  }),
  title: css({
    flex: '1 1 12em',
    minWidth: 0,
    margin: 0,
    fontSize: theme.typography.h5.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    overflowWrap: 'anywhere',
  }),
  status: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    textTransform: 'capitalize',
  }),
  statusOpen: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  meta: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5, 2),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
  where: css({ overflowWrap: 'anywhere' }),
  abs: css({ color: theme.colors.text.secondary, '@container (max-width: 420px)': { display: 'none' } }),
  summary: css({ margin: theme.spacing(0.5, 0, 0), color: theme.colors.text.primary, overflowWrap: 'anywhere' }),
  clamp: css({ display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden' }),
  insight: css({ margin: theme.spacing(0.5, 0, 0), color: theme.colors.text.secondary, fontStyle: 'italic' }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 260px), 1fr))',
    gap: theme.spacing(0, 2),
  }),
  related: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    marginTop: theme.spacing(1),
  }),
  label: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    marginRight: theme.spacing(0.5),
  }),
  adaptations: css({
    listStyle: 'none',
    margin: theme.spacing(1, 0, 0),
    padding: theme.spacing(0.5, 1),
    borderLeft: `3px solid ${theme.colors.info.border}`,
    color: theme.colors.text.primary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
