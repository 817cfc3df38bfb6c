/** Where a simulation run stands, as `lucid-simulate` saves it in context to resume after a restart. */
export interface SavedSimulationClock {
  version: 1;
  /** The settings the run was made with (see {@link resumePosition}); another value starts a new run. */
  fingerprint: string;
  /** The run's tick 0, epoch ms of simulated time. */
  startTsMs: number;
  /** The next tick to emit. */
  nextTickIndex: number;
}

/** How {@link resumePosition} places a run. */
export interface ResumeSettings {
  /** The current settings' fingerprint. */
  fingerprint: string;
  /** Tick 0 of a new run, epoch ms (the configured start, or the automatic one). */
  freshStartTsMs: number;
  /** Whether the start is automatic (derived from the wall clock) rather than configured. */
  automaticStart: boolean;
  /** Wall clock, epoch ms. */
  nowMs: number;
  /** Simulated ms per tick. */
  intervalMs: number;
  /** Simulated ms per wall ms; 0 = as fast as possible. */
  speed: number;
  /** Ticks in a run; 0 = endless. */
  maxTicks: number;
}

/** A run is not resumed when that would mean replaying more ticks than this to reach its position. */
export const MAX_RESUME_TICKS = 1_000_000;

/**
 * Where a simulation should start after its node was restarted (Node-RED restart, full Deploy):
 * continue the saved run, so that the simulated clock does not jump back and every series does
 * not restart at another phase, or begin a new one.
 *
 * - No saved run, other settings, or a finished run: a new run from `freshStartTsMs`.
 * - A configured start: the saved run continues at its next tick.
 * - An automatic start at real-time speed or slower (`0 < speed ≤ 1`): the saved run continues at
 *   the tick of the present wall time (its devices "kept running" while the node was down, so the
 *   stream shows that gap, as real devices would), or a new run when the present is past its end.
 * - An automatic start faster than real time: the saved run continues at its next tick while that
 *   is not older than a new run's start (so timestamps stay plausible for ingest), else a new run.
 * - A position more than {@link MAX_RESUME_TICKS} ticks in: a new run.
 *
 * @param saved - what was saved, or anything (malformed values count as no saved run).
 * @returns tick 0 of the run and the tick to emit next; `resumed` false for a new run.
 */
export function resumePosition(
  saved: unknown,
  settings: ResumeSettings,
): { startTsMs: number; tickIndex: number; resumed: boolean } {
  const fresh = { startTsMs: settings.freshStartTsMs, tickIndex: 0, resumed: false };
  if (!isSavedClock(saved) || saved.fingerprint !== settings.fingerprint) return fresh;
  const { maxTicks, intervalMs, speed } = settings;
  let tickIndex = saved.nextTickIndex;
  if (settings.automaticStart) {
    if (speed > 0 && speed <= 1) {
      tickIndex = Math.max(tickIndex, Math.floor((settings.nowMs - saved.startTsMs) / intervalMs));
    } else if (saved.startTsMs + tickIndex * intervalMs < settings.freshStartTsMs) {
      return fresh;
    }
  }
  if ((maxTicks > 0 && tickIndex >= maxTicks) || tickIndex > MAX_RESUME_TICKS) return fresh;
  return { startTsMs: saved.startTsMs, tickIndex, resumed: true };
}

function isSavedClock(v: unknown): v is SavedSimulationClock {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (
    r.version === 1 &&
    typeof r.fingerprint === 'string' &&
    typeof r.startTsMs === 'number' &&
    Number.isFinite(r.startTsMs) &&
    r.startTsMs >= 0 &&
    Number.isInteger(r.nextTickIndex) &&
    (r.nextTickIndex as number) >= 0
  );
}
