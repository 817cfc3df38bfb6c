import type { AnomalyType, Explanation } from '../contracts/types';
import type { Playbook, PlaybookAction } from './playbook';
import type { RankedCause } from './rank-causes';

/** At most this many actions are recommended. */
export const MAX_ACTIONS = 5;

/**
 * Recommended actions from the playbook, most specific first: the top cause's own actions
 * (`byCause[id]`, or its family's `byFamily` when the cause has none), the anomaly type's
 * (`byType`), then the second cause's own (`byCause`; a generic family's actions would only dilute the list). Duplicates by intent are dropped (an action's `intent` key,
 * else its text): "Check the device's power supply and battery" and "Check the device's power
 * and its link to the gateway" share the intent `check-power` and only the first is kept; at
 * most {@link MAX_ACTIONS}.
 */
export function selectActions(
  playbook: Playbook,
  type: AnomalyType,
  causes: RankedCause[],
): Explanation['actions'] {
  const lists: (PlaybookAction[] | undefined)[] = [];
  const [top, second] = causes;
  const own = (c: RankedCause) => playbook.actions.byCause?.[c.id] ?? playbook.actions.byFamily?.[c.family];
  if (top) lists.push(own(top));
  lists.push(playbook.actions.byType?.[type]);
  if (second) lists.push(playbook.actions.byCause?.[second.id]);
  const seen = new Set<string>();
  const actions: Explanation['actions'] = [];
  for (const list of lists) {
    for (const a of list ?? []) {
      const key = a.intent ?? a.action;
      if (seen.has(key) || actions.length >= MAX_ACTIONS) continue;
      seen.add(key);
      actions.push({ action: a.action, why: a.why });
    }
  }
  return actions;
}
