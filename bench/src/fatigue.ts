/**
 * Alert-fatigue counts: how many times the operator is interrupted per labelled anomaly window,
 * how often outside any window, and how many windows get at least one interruption: for the
 * raw detector (every reading it flags) and for what lucid-route actually notifies.
 */

export interface FatigueCounts {
  readings: number;
  windows: number;
  /** Events inside windows, outside windows, and windows with ≥ 1 event. */
  inside: number;
  outside: number;
  windowsHit: number;
}

export interface FatigueSummary {
  /** Events inside labelled windows per window. */
  perWindow: number;
  /** Events outside labelled windows per 10 000 readings. */
  falsePer10k: number;
  /** Share of labelled windows with at least one event, %. */
  windowsHitPct: number;
  inside: number;
  outside: number;
}

/** Accumulates one stream of events (e.g. raw firings or Slack notifications) against windows. */
export class FatigueCounter {
  private readonly hit = new Set<string>();
  inside = 0;
  outside = 0;

  /** @param window - the labelled window the reading falls in (a corpus-unique key), or undefined. */
  add(events: number, window: string | undefined): void {
    if (events <= 0) return;
    if (window === undefined) this.outside += events;
    else {
      this.inside += events;
      this.hit.add(window);
    }
  }

  get windowsHit(): number {
    return this.hit.size;
  }
}

export function summarise(counter: FatigueCounter, readings: number, windows: number): FatigueSummary {
  return {
    perWindow: windows > 0 ? counter.inside / windows : 0,
    falsePer10k: readings > 0 ? (10_000 * counter.outside) / readings : 0,
    windowsHitPct: windows > 0 ? (100 * counter.windowsHit) / windows : 0,
    inside: counter.inside,
    outside: counter.outside,
  };
}
