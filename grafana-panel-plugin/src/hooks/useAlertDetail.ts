import { useEffect, useState } from 'react';
import type { LucidPanelClient } from '../data/lucidClient';
import type { AlertDetail } from '../data/lucidStoreTypes';
import { TREND_MAX_POINTS } from '../types';

/** Evidence windows already fetched, by alert id and last-seen time (a newer repeat refetches). */
export type DetailCache = Map<string, Promise<AlertDetail>>;

export type DetailState = { kind: 'loading' } | { kind: 'ready'; detail: AlertDetail } | { kind: 'unavailable'; reason: string };

/** Fetches `GET alerts/:id` (evidence window) through the data source, once per alert version; loading while not `enabled` (data source not looked up yet). */
export function useAlertDetail(client: LucidPanelClient | undefined, cache: DetailCache, alertId: string, lastSeenMs: number, enabled: boolean): DetailState {
  const [state, setState] = useState<DetailState>({ kind: 'loading' });
  useEffect(() => {
    if (!enabled) {
      setState({ kind: 'loading' });
      return;
    }
    if (!client?.alertDetail) {
      setState({ kind: 'unavailable', reason: 'The data source cannot fetch evidence windows.' });
      return;
    }
    let live = true;
    const key = `${alertId}@${lastSeenMs}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = client.alertDetail(alertId, TREND_MAX_POINTS);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    setState({ kind: 'loading' });
    pending.then(
      (detail) => live && setState({ kind: 'ready', detail }),
      (err: unknown) => live && setState({ kind: 'unavailable', reason: `Evidence window not available: ${err instanceof Error ? err.message : String(err)}` })
    );
    return () => {
      live = false;
    };
  }, [client, cache, alertId, lastSeenMs, enabled]);
  return state;
}
