import { useEffect, useState } from 'react';
import type { LucidPanelClient } from '../data/lucidClient';
import type { Adaptation } from '../data/lucidStoreTypes';
import type { Verdict } from '../data/alertsViewModel';

/** Verdicts that lucid-feedback turns into an adaptation (threshold, suppression, silence, priority weight). */
const ADAPTING: ReadonlySet<Verdict> = new Set(['useful', 'false_positive', 'expected', 'maintenance']);

/** Delays (ms) at which adaptations are looked up after a verdict: lucid-feedback applies it asynchronously. */
export const ADAPTATION_POLL_MS = [300, 1000, 2500, 5000] as const;

/**
 * The adaptations made from an alert's feedback, looked up after the store accepted a verdict
 * that adapts detection or routing (and once on mount, to show earlier ones).
 */
export function useAdaptationsFor(
  client: LucidPanelClient | undefined,
  alertId: string,
  accepted: Verdict | undefined
): Adaptation[] {
  const [found, setFound] = useState<Adaptation[]>([]);
  useEffect(() => {
    if (!client?.adaptations || !accepted || !ADAPTING.has(accepted)) {
      return;
    }
    let live = true;
    const timers: Array<ReturnType<typeof setTimeout>> = [];
    let done = false;
    for (const delay of ADAPTATION_POLL_MS) {
      timers.push(
        setTimeout(() => {
          if (done || !live) {
            return;
          }
          client.adaptations!().then(
            (all) => {
              const mine = all.filter((a) => a.alertId === alertId && a.revertedMs === undefined);
              if (live && mine.length > 0) {
                done = true;
                setFound(mine);
              }
            },
            () => undefined
          );
        }, delay)
      );
    }
    return () => {
      live = false;
      timers.forEach(clearTimeout);
    };
  }, [client, alertId, accepted]);
  return found;
}

/** An adaptation in words, e.g. `Threshold of pump-3 / temperature raised by 0.1`. */
export function describeAdaptation(a: Adaptation, formatTime: (ms: number) => string): string {
  const target = [a.deviceId, a.metric].filter(Boolean).join(' / ') || a.fingerprint || a.type || 'matching alerts';
  switch (a.kind) {
    case 'threshold':
      return `Detection threshold of ${target} raised by ${a.value ?? '?'}`;
    case 'suppress':
      return `Alerts like this one suppressed${a.untilMs ? ` until ${formatTime(a.untilMs)}` : ''}`;
    case 'silence':
      return `Silence on ${target}${a.untilMs ? ` until ${formatTime(a.untilMs)}` : ''}`;
    case 'priority_weight':
      return `Priority of ${a.type ?? 'this kind of'} alerts weighted ×${a.value ?? '?'}`;
    case 'new_normal':
      return `Current state of ${target} accepted as its new normal (re-learned from the next readings)`;
    default:
      return `Adaptation ${String(a.kind)} on ${target}`;
  }
}
