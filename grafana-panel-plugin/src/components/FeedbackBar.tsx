import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Input, useStyles2 } from '@grafana/ui';
import React, { useId, useState } from 'react';
import type { FeedbackCounts, Verdict } from '../data/alertsViewModel';
import { TEST_IDS } from '../testIds';

/** Labels of the verdicts, in the order of the buttons. */
export const VERDICT_LABELS: Record<Verdict, string> = {
  useful: 'Useful',
  not_useful: 'Not useful',
  false_positive: 'False positive',
  expected: 'Expected',
  maintenance: 'Maintenance',
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
};

const FEEDBACK: Verdict[] = ['useful', 'not_useful', 'false_positive', 'expected', 'maintenance'];

interface Props {
  status: string;
  counts: FeedbackCounts | null;
  pending?: Verdict;
  /** Why the buttons are disabled (e.g. the store refused the token), or undefined. */
  disabledReason?: string;
  onAct(verdict: Verdict, comment?: string): void;
}

/** One-click operator feedback, acknowledge and resolve, with an optional comment. */
export function FeedbackBar({ status, counts, pending, disabledReason, onAct }: Props) {
  const styles = useStyles2(getStyles);
  const [comment, setComment] = useState('');
  const [showComment, setShowComment] = useState(false);
  const commentId = useId();
  const busy = pending !== undefined;
  const disabled = busy || disabledReason !== undefined;
  const send = (verdict: Verdict) => {
    onAct(verdict, comment || undefined);
    setComment('');
    setShowComment(false);
  };
  const countText = counts
    ? (Object.keys(VERDICT_LABELS) as Verdict[])
        .filter((v) => counts[v] > 0)
        .map((v) => `${VERDICT_LABELS[v]} ${counts[v]}`)
        .join(' · ')
    : '';
  return (
    <div className={styles.wrap}>
      <div className={styles.row} role="group" aria-label="Feedback">
        {FEEDBACK.map((v) => (
          <Button
            key={v}
            size="sm"
            variant={v === 'false_positive' ? 'destructive' : 'secondary'}
            fill="outline"
            disabled={disabled}
            tooltip={disabledReason}
            onClick={() => send(v)}
            data-testid={TEST_IDS.feedback(v)}
            icon={pending === v ? 'sync' : undefined}
          >
            {VERDICT_LABELS[v]}
          </Button>
        ))}
        <span className={styles.sep} aria-hidden />
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled || status === 'acknowledged' || status === 'resolved'}
          tooltip={disabledReason}
          onClick={() => send('acknowledge')}
          data-testid={TEST_IDS.feedback('acknowledge')}
          icon={pending === 'acknowledge' ? 'sync' : 'eye'}
        >
          {VERDICT_LABELS.acknowledge}
        </Button>
        <Button
          size="sm"
          variant="primary"
          disabled={disabled || status === 'resolved'}
          tooltip={disabledReason}
          onClick={() => send('resolve')}
          data-testid={TEST_IDS.feedback('resolve')}
          icon={pending === 'resolve' ? 'sync' : 'check'}
        >
          {VERDICT_LABELS.resolve}
        </Button>
        <Button
          size="sm"
          variant="secondary"
          fill="text"
          icon="comment-alt"
          aria-expanded={showComment}
          aria-controls={commentId}
          onClick={() => setShowComment(!showComment)}
          disabled={disabled}
        >
          Comment
        </Button>
      </div>
      {showComment && (
        <div id={commentId} className={styles.comment}>
          <Input
            value={comment}
            placeholder="Optional comment, sent with the next action"
            aria-label="Comment sent with the next action"
            maxLength={1000}
            onChange={(e) => setComment(e.currentTarget.value)}
            data-testid={TEST_IDS.comment}
          />
        </div>
      )}
      <div className={styles.counts} data-testid={TEST_IDS.feedbackCounts} aria-live="polite">
        {countText}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ marginTop: theme.spacing(1), display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  row: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5), alignItems: 'center' }),
  sep: css({ width: 1, alignSelf: 'stretch', background: theme.colors.border.weak, margin: theme.spacing(0, 0.5) }),
  comment: css({ maxWidth: 480 }),
  counts: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    minHeight: theme.typography.bodySmall.lineHeight,
  }),
});
