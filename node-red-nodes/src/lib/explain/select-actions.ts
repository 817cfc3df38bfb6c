import type { AnomalyType, Explanation } from '../contracts/types';
import type { Playbook, PlaybookAction } from './playbook';
import type { RankedCause } from './rank-causes';

/** At most this many actions are recommended. */
export const MAX_ACTIONS = 5;

/**
 * Recommended actions from the playbook, most specific first: the top cause's own actions
 * (`byCause[id]`), its family's (`byFamily`), the anomaly type's (`byType`), then the second
 * cause's own and family actions. Duplicates (same action text) are dropped; at most
 * {@link MAX_ACTIONS}.
 */
export function selectActions(
  playbook: Playbook,
  type: AnomalyType,
  causes: RankedCause[],
): Explanation['actions'] {
  const lists: (PlaybookAction[] | undefined)[] = [];
  const [top, second] = causes;
  if (top) lists.push(playbook.actions.byCause?.[top.id], playbook.actions.byFamily?.[top.family]);
  lists.push(playbook.actions.byType?.[type]);
  if (second) lists.push(playbook.actions.byCause?.[second.id], playbook.actions.byFamily?.[second.family]);
  const seen = new Set<string>();
  const actions: Explanation['actions'] = [];
  for (const list of lists) {
    for (const a of list ?? []) {
      if (seen.has(a.action) || actions.length >= MAX_ACTIONS) continue;
      seen.add(a.action);
      actions.push({ action: a.action, why: a.why });
    }
  }
  return actions;
}
