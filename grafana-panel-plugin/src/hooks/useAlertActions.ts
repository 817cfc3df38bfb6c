import { useCallback, useRef, useState } from 'react';
import { type ActionOptions, describeActionError, type LucidPanelClient } from '../data/lucidClient';
import type { AlertCardModel, Verdict } from '../data/alertsViewModel';
import { type CardOverride, optimisticOverride } from '../data/optimisticAction';

/** State and actions of the feedback buttons of every card. */
export interface AlertActions {
  overrides: ReadonlyMap<string, CardOverride>;
  /** Set after the store refused an action with 401/403: further actions are disabled. */
  refusal?: string;
  act(card: AlertCardModel, verdict: Verdict, comment?: string): Promise<void>;
}

/**
 * Optimistic operator actions: the card shows the new status and counts at once; the store's
 * answer replaces them (success) or they roll back with the store's message on the card (failure).
 * A 401/403 also disables further actions panel-wide (the data source's token cannot act).
 */
export function useAlertActions(client: LucidPanelClient | undefined, user: string | undefined): AlertActions {
  const [overrides, setOverrides] = useState<ReadonlyMap<string, CardOverride>>(new Map());
  const [refusal, setRefusal] = useState<string | undefined>();
  const generation = useRef(new Map<string, number>());

  const update = useCallback((id: string, fn: (prev: CardOverride | undefined) => CardOverride | undefined) => {
    setOverrides((prev) => {
      const next = new Map(prev);
      const value = fn(prev.get(id));
      if (value) {
        next.set(id, value);
      } else {
        next.delete(id);
      }
      return next;
    });
  }, []);

  const act = useCallback(
    async (card: AlertCardModel, verdict: Verdict, comment?: string) => {
      if (!client) {
        return;
      }
      const gen = (generation.current.get(card.id) ?? 0) + 1;
      generation.current.set(card.id, gen);
      update(card.id, (prev) => ({ ...prev, ...optimisticOverride(card, verdict), error: undefined, rollback: prev }));
      try {
        const options: ActionOptions = {};
        if (comment?.trim()) {
          options.comment = comment.trim();
        }
        if (user) {
          options.user = user;
        }
        const alert = await client.act(card.id, verdict, options);
        if (generation.current.get(card.id) === gen) {
          update(card.id, (prev) => ({
            ...prev,
            alert,
            status: alert.status,
            pending: undefined,
            accepted: verdict,
            rollback: undefined,
          }));
        }
      } catch (err) {
        const { status, message } = describeActionError(err);
        if (status === 401 || status === 403) {
          setRefusal(
            `The Lucid store refused the action (${message}). The data source's API token cannot act on alerts: ask an admin for an operator token.`
          );
        }
        if (generation.current.get(card.id) === gen) {
          update(card.id, (prev) =>
            prev?.rollback ? { ...prev.rollback, pending: undefined, error: message } : { error: message }
          );
        }
      }
    },
    [client, update, user]
  );

  return { overrides, refusal, act };
}
