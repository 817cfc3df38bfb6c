import { useEffect, useState } from 'react';
import type { LucidPanelClient } from '../data/lucidClient';
import type { AlertDetail } from '../data/lucidStoreTypes';
import { TREND_MAX_POINTS } from '../types';

/** Evidence windows already fetched, by alert id and last-seen time (a newer repeat refetches). */
export type DetailCache = Map<string, Promise<AlertDetail>>;

export type DetailState =
  { kind: 'loading' } | { kind: 'ready'; detail: AlertDetail } | { kind: 'unavailable'; reason: string };

/** Fetches `GET alerts/:id` (evidence window) through the data source, once per alert version; loading while not `enabled` (data source not looked up yet). */
export function useAlertDetail(
  client: LucidPanelClient | undefined,
  cache: DetailCache,
  alertId: string,
  lastSeenMs: number,
  enabled: boolean
): DetailState {
  const key = `${alertId}@${lastSeenMs}`;
  const [result, setResult] = useState<{ key: string; client: LucidPanelClient; state: DetailState } | undefined>();
  useEffect(() => {
    if (!enabled || !client?.alertDetail) {
      return;
    }
    let live = true;
    let pending = cache.get(key);
    if (!pending) {
      pending = client.alertDetail(alertId, TREND_MAX_POINTS);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    pending.then(
      (detail) => live && setResult({ key, client, state: { kind: 'ready', detail } }),
      (err: unknown) =>
        live &&
        setResult({
          key,
          client,
          state: {
            kind: 'unavailable',
            reason: `Evidence window not available: ${err instanceof Error ? err.message : String(err)}`,
          },
        })
    );
    return () => {
      live = false;
    };
  }, [client, cache, alertId, key, enabled]);
  if (!enabled) {
    return { kind: 'loading' };
  }
  if (!client?.alertDetail) {
    return { kind: 'unavailable', reason: 'The data source cannot fetch evidence windows.' };
  }
  return result && result.key === key && result.client === client ? result.state : { kind: 'loading' };
}
