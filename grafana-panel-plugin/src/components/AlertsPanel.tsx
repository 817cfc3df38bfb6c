import { css } from '@emotion/css';
import { type GrafanaTheme2, LoadingState as GrafanaLoadingState, type PanelProps } from '@grafana/data';
import { config } from '@grafana/runtime';
import type { DataSourceRef } from '@grafana/schema';
import { Alert, useStyles2 } from '@grafana/ui';
import React, { useContext, useEffect, useMemo, useState } from 'react';
import { type AlertCardModel, toAlertsViewModel } from '../data/alertsViewModel';
import type { LucidPanelClient } from '../data/lucidClient';
import { LucidClientContext } from '../data/lucidClientContext';
import { applyOverride } from '../data/optimisticAction';
import type { DetailCache } from '../hooks/useAlertDetail';
import { useAlertActions } from '../hooks/useAlertActions';
import { usePublicKeys, useSignatureChecks } from '../hooks/useSignatureChecks';
import { TEST_IDS } from '../testIds';
import type { AlertsPanelOptions } from '../types';
import { AlertCard } from './AlertCard';
import { SeverityBadge } from './SeverityBadge';
import { EmptyState, LoadingState, SchemaMismatchState } from './PanelStates';

/** Refresh of relative times ("5 minutes ago"). */
const CLOCK_TICK_MS = 30_000;

/** Who is looking, from Grafana's boot data: Viewers read, Editors and Admins act. */
export function currentUser(): { login?: string; canAct: boolean } {
  const user = (config.bootData?.user ?? {}) as {
    login?: string;
    orgRole?: string;
    isGrafanaAdmin?: boolean;
    isSignedIn?: boolean;
  };
  const canAct = user.isGrafanaAdmin === true || user.orgRole === 'Editor' || user.orgRole === 'Admin';
  return { login: user.login, canAct };
}

/** The Lucid Explained Alerts panel. */
export function AlertsPanel({ data, options, width, height, timeZone }: PanelProps<AlertsPanelOptions>) {
  const styles = useStyles2(getStyles);
  const resolveClient = useContext(LucidClientContext);
  const dsRef = data.request?.targets?.[0]?.datasource;
  // The ref object changes with every query; its type and uid identify the data source.
  const dsKey = dsRef ? JSON.stringify({ type: dsRef.type, uid: dsRef.uid }) : '';
  // `resolved` stays false until the data source lookup answers, so nothing claims "unavailable" too early.
  const [{ client, resolved }, setClient] = useState<{ client?: LucidPanelClient; resolved: boolean }>({
    resolved: false,
  });
  useEffect(() => {
    let live = true;
    resolveClient(dsKey ? (JSON.parse(dsKey) as DataSourceRef) : undefined).then(
      (c) => live && setClient({ client: c, resolved: true }),
      () => live && setClient({ client: undefined, resolved: true })
    );
    return () => {
      live = false;
    };
  }, [resolveClient, dsKey]);

  const user = useMemo(() => currentUser(), []);
  const actions = useAlertActions(client, user.login);
  const keys = usePublicKeys(client, resolved);
  const [detailCache] = useState<DetailCache>(() => new Map());
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNowMs(Date.now()), CLOCK_TICK_MS);
    return () => clearInterval(t);
  }, []);

  const vm = useMemo(() => toAlertsViewModel(data.series, options), [data.series, options]);
  const shownCards = useMemo<AlertCardModel[]>(
    () =>
      vm.kind === 'alerts'
        ? vm.groups.flatMap((g) => g.cards.map((c) => applyOverride(c, actions.overrides.get(c.id))))
        : [],
    [vm, actions.overrides]
  );
  const checks = useSignatureChecks(shownCards, keys);
  const byId = useMemo(() => new Map(shownCards.map((c) => [c.id, c])), [shownCards]);

  const queryError = data.errors?.[0];
  const canAct = user.canAct && client !== undefined;

  let body: React.ReactNode;
  if (vm.kind === 'empty' && data.state === GrafanaLoadingState.Loading) {
    body = <LoadingState />;
  } else if (vm.kind === 'empty') {
    body = queryError ? null : <EmptyState received={vm.received} />;
  } else if (vm.kind === 'schema_mismatch') {
    body = <SchemaMismatchState missing={vm.missing} frameNames={vm.frameNames} />;
  } else {
    body = (
      <>
        {!canAct && client !== undefined && (
          <p className={styles.notice} data-testid={TEST_IDS.readOnlyNotice}>
            Read-only: your Grafana role cannot act on alerts.
          </p>
        )}
        {actions.refusal && (
          <div data-testid={TEST_IDS.readOnlyNotice} role="alert">
            <Alert severity="error" title="Actions are disabled" bottomSpacing={1}>
              {actions.refusal}
            </Alert>
          </div>
        )}
        {vm.groups.map((group) => (
          <section
            key={group.key}
            className={styles.group}
            data-testid={TEST_IDS.group(group.key)}
            aria-label={group.incidentId ? `Incident ${group.incidentId}` : 'Alerts'}
          >
            {group.incidentId !== undefined && vm.groups.length > 0 && options.groupByIncident && (
              <h2 className={styles.groupTitle}>
                <SeverityBadge severity={group.topSeverity} /> Incident {group.incidentId} · {group.cards.length} alert
                {group.cards.length === 1 ? '' : 's'} · top P{Math.round(group.topPriority)}
              </h2>
            )}
            <ol className={styles.list}>
              {group.cards.map((c) => {
                const shown = byId.get(c.id) ?? c;
                return (
                  <li key={c.id} className={styles.item}>
                    <AlertCard
                      card={shown}
                      override={actions.overrides.get(c.id)}
                      options={options}
                      client={client}
                      clientReady={resolved}
                      detailCache={detailCache}
                      signature={checks.get(c.id)}
                      canAct={canAct}
                      disabledReason={actions.refusal ? 'The store refused this data source’s token' : undefined}
                      onAct={actions.act}
                      timeZone={timeZone}
                      nowMs={nowMs}
                    />
                  </li>
                );
              })}
            </ol>
          </section>
        ))}
        {vm.matching > vm.shown && (
          <p className={styles.notice}>
            Showing {vm.shown} of {vm.matching} matching alerts (panel option “Max alerts”).
          </p>
        )}
      </>
    );
  }

  return (
    <div className={styles.root} style={{ width, height }} data-testid={TEST_IDS.panel}>
      {queryError && (
        <Alert severity="error" title="The Lucid query failed" bottomSpacing={1}>
          {queryError.message}
        </Alert>
      )}
      {body}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ overflow: 'auto', containerType: 'inline-size', minWidth: 0 }),
  group: css({ marginBottom: theme.spacing(1.5) }),
  groupTitle: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    fontSize: theme.typography.h6.fontSize,
    margin: theme.spacing(0, 0, 1),
    color: theme.colors.text.primary,
    flexWrap: 'wrap',
  }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  item: css({ minWidth: 0 }),
  notice: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    margin: theme.spacing(0, 0, 1),
  }),
});
