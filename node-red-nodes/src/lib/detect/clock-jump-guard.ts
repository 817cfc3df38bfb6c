import {
  CONNECTIVITY_METRIC,
  ConfigError,
  InputError,
  type AnomalyScore,
  type DetectionEvidence,
  type Reading,
} from '../contracts';
import { validateReading, type StreamingDetector } from './streaming-detector';

/** How a device's clock moved on a reading (see {@link ClockJumpGuard}). */
export type ClockJumpKind = 'backward' | 'forward' | 'resume_gap';

/** What {@link ClockJumpGuard.observe} decided for one reading. */
export interface ClockVerdict {
  /** The jump this reading revealed, if any. */
  jump?: ClockJumpKind;
  /** The device's newest event time before this reading, epoch ms (set with `jump`). */
  previousTsMs?: number;
  /** Whether the device's learned detector state must be forgotten before scoring (a backward jump only). */
  forget: boolean;
  /** Whether this reading may not raise a decision (it is scored, and learned from, as usual). */
  mute: boolean;
  /** Muted readings of the device still to come after this one. */
  rewarmReadingsLeft: number;
}

/** Settings of a {@link ClockJumpGuard}; every field is validated by {@link resolveClockJumpOptions}. */
export interface ClockJumpOptions {
  /**
   * Readings of a device after a clock jump that are scored but never flagged, counting the one
   * that revealed the jump. 1..100 000; lucid-detect uses its warm-up (`warmupReadings`, default 30).
   */
  rewarmReadings: number;
  /**
   * A reading older than its device's newest by more than `max(backwardToleranceMs,
   * 5 × expected interval)` is a backward jump. Smaller steps back are ordinary out-of-order
   * delivery, which the detector handles. ms, 0..86 400 000; default 60 000.
   */
  backwardToleranceMs: number;
  /** A step forward longer than this many expected intervals is a forward jump. 2..1 000 000; default 100. */
  forwardJumpIntervals: number;
  /**
   * After a restore, a first step forward longer than this many expected intervals (but not a
   * forward jump) spans the restart itself: that one reading is muted, state is kept.
   * 1..1 000 000; default 5.
   */
  resumeGapIntervals: number;
  /** Most devices tracked; the least recently seen is dropped beyond it. 1..10 000 000; default 100 000. */
  maxDevices: number;
}

/** Defaults: re-warm 30 readings, backward tolerance 60 s, forward jump 100 intervals, resume gap 5 intervals, 100 000 devices. */
export const DEFAULT_CLOCK_JUMP_OPTIONS: ClockJumpOptions = Object.freeze({
  rewarmReadings: 30,
  backwardToleranceMs: 60_000,
  forwardJumpIntervals: 100,
  resumeGapIntervals: 5,
  maxDevices: 100_000,
});

const RANGES: Record<keyof ClockJumpOptions, [number, number, boolean]> = {
  rewarmReadings: [1, 100_000, true],
  backwardToleranceMs: [0, 86_400_000, false],
  forwardJumpIntervals: [2, 1_000_000, false],
  resumeGapIntervals: [1, 1_000_000, false],
  maxDevices: [1, 10_000_000, true],
};

/**
 * Fills partial options with {@link DEFAULT_CLOCK_JUMP_OPTIONS} and validates them.
 * @throws ConfigError naming the field, its value and the accepted range.
 */
export function resolveClockJumpOptions(partial: Partial<ClockJumpOptions> = {}): ClockJumpOptions {
  const merged: ClockJumpOptions = { ...DEFAULT_CLOCK_JUMP_OPTIONS };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  for (const [field, [min, max, integer]] of Object.entries(RANGES)) {
    const v = merged[field as keyof ClockJumpOptions];
    if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
      throw new ConfigError(
        `clock guard: ${field} is ${JSON.stringify(v)}; expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`,
      );
    }
  }
  return merged;
}

/** Serializable state of a {@link ClockJumpGuard}. */
export interface ClockJumpSnapshot {
  version: 1;
  devices: {
    deviceId: string;
    /** Newest event time seen, epoch ms. */
    lastTsMs: number;
    /** Learned sampling interval, ms (0 while unknown). */
    intervalMs: number;
    /** Intervals folded into `intervalMs`. */
    intervalCount: number;
    rewarmReadingsLeft: number;
  }[];
}

interface DeviceClock {
  lastTsMs: number;
  intervalMs: number;
  intervalCount: number;
  rewarmLeft: number;
  /** The next reading is the first since a restore. */
  resumed: boolean;
}

/** Intervals a device must have shown before its learned interval replaces the declared one. */
const MIN_INTERVALS = 3;
/** EWMA weight of a new interval once the estimate is established. */
const INTERVAL_RATE = 0.1;
/** A step longer than this many learned intervals is clipped before it enters the estimate. */
const INTERVAL_CLIP = 4;
/** Backward steps within this many expected intervals are out-of-order delivery, not a jump. */
const BACKWARD_INTERVALS = 5;

const OK: ClockVerdict = Object.freeze({ forget: false, mute: false, rewarmReadingsLeft: 0 });

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Watches each device's event clock so that time itself never raises an alert. A simulator or
 * replay that restarts, a device clock that is reset, or a stream resumed hours later moves a
 * device's clock far from where its learned state was built; scoring against that state flags
 * readings that are merely from another time of day.
 *
 * Per device it keeps the newest event time and a learned sampling interval (winsorized EWMA of
 * the steps between readings; the declared interval until three steps were seen). A reading is:
 * - a **backward jump** when it is older than the newest by more than
 *   `max(backwardToleranceMs, 5 × interval)`;
 * - a **forward jump** when it is newer by more than `forwardJumpIntervals × interval`;
 * - a **resume gap** when it is the device's first reading after {@link restore} and newer by
 *   more than `resumeGapIntervals × interval`: the gap spans the restart, not the device.
 *
 * On a backward jump the verdict says to `forget` the device's learned state (the detector's
 * clock is ahead of the device's, so it would learn nothing until the device caught up). On a
 * forward jump the learned state is kept: the device is the same and its time only moved on; its
 * levels, noise and joint model stay valid, and the gap itself is the only surprise. After
 * either jump the device re-warms: it and the next `rewarmReadings − 1` readings are muted
 * (scored and learned from, never flagged), so the state follows any change of time of day
 * before it may flag again. A resume gap mutes that one reading and keeps the state. Readings that carry only `connectivity` come from the ingest watchdog, not
 * the device's clock, and are neither observed nor muted.
 *
 * Cost: O(1) per reading; memory ≈ 100 bytes per device, at most `maxDevices` devices.
 *
 * @example
 * const guard = new ClockJumpGuard(resolveClockJumpOptions({ rewarmReadings: 30 }));
 * const verdict = guard.observe(reading);
 * if (verdict.forget) detector.forgetDevice(reading.deviceId);
 */
export class ClockJumpGuard {
  private readonly clocks = new Map<string, DeviceClock>();
  private jumpCount = 0;

  /**
   * @param options - validated options ({@link resolveClockJumpOptions}).
   * @param declaredIntervalMs - a device's declared sampling interval (ms) used until its own is
   *   learned; undefined when unknown (a forward jump then needs three observed steps).
   */
  constructor(
    readonly options: ClockJumpOptions,
    private readonly declaredIntervalMs: (deviceId: string) => number | undefined = () => undefined,
  ) {}

  /** Number of devices whose clock is tracked. */
  get deviceCount(): number {
    return this.clocks.size;
  }

  /** Clock jumps seen since construction (backward and forward; not resume gaps). */
  get jumps(): number {
    return this.jumpCount;
  }

  /**
   * Classifies a reading's event time against its device's clock and advances the clock.
   * Call it once per reading, in arrival order, before the reading is scored.
   * @param reading - a reading whose `deviceId` and `tsMs` are valid (the detector's validation).
   */
  observe(reading: Reading): ClockVerdict {
    const { deviceId, tsMs } = reading;
    if (isConnectivityOnly(reading)) return OK;
    let c = this.clocks.get(deviceId);
    if (c === undefined) {
      c = { lastTsMs: tsMs, intervalMs: 0, intervalCount: 0, rewarmLeft: 0, resumed: false };
      this.track(deviceId, c);
      return OK;
    }
    this.touch(deviceId, c);
    const previousTsMs = c.lastTsMs;
    const stepMs = tsMs - previousTsMs;
    const intervalMs = this.intervalOf(deviceId, c);
    const resumed = c.resumed;
    c.resumed = false;
    let jump: ClockJumpKind | undefined;
    if (stepMs < -Math.max(this.options.backwardToleranceMs, BACKWARD_INTERVALS * intervalMs)) {
      jump = 'backward';
    } else if (intervalMs > 0 && stepMs > this.options.forwardJumpIntervals * intervalMs) {
      jump = 'forward';
    } else if (resumed && intervalMs > 0 && stepMs > this.options.resumeGapIntervals * intervalMs) {
      jump = 'resume_gap';
    }
    if (jump === 'backward' || jump === 'forward') {
      this.jumpCount++;
      c.lastTsMs = tsMs;
      c.rewarmLeft = this.options.rewarmReadings;
    } else if (stepMs > 0) {
      this.learnInterval(c, stepMs);
      c.lastTsMs = tsMs;
      if (jump === 'resume_gap') c.rewarmLeft = Math.max(c.rewarmLeft, 1);
    }
    if (c.rewarmLeft === 0) return OK;
    c.rewarmLeft--;
    const verdict: ClockVerdict = {
      forget: jump === 'backward',
      mute: true,
      rewarmReadingsLeft: c.rewarmLeft,
    };
    if (jump) {
      verdict.jump = jump;
      verdict.previousTsMs = previousTsMs;
    }
    return verdict;
  }

  /**
   * Starts tracking a device at `lastTsMs` when it is not tracked yet (e.g. from a detector
   * snapshot saved before this guard existed). Its next reading counts as the first after a restore.
   */
  seed(deviceId: string, lastTsMs: number): void {
    if (this.clocks.has(deviceId) || !isFiniteNumber(lastTsMs)) return;
    this.track(deviceId, { lastTsMs, intervalMs: 0, intervalCount: 0, rewarmLeft: 0, resumed: true });
  }

  /** A JSON-serializable copy of the state, least recently seen device first. */
  snapshot(): ClockJumpSnapshot {
    return {
      version: 1,
      devices: [...this.clocks].map(([deviceId, c]) => ({
        deviceId,
        lastTsMs: c.lastTsMs,
        intervalMs: c.intervalMs,
        intervalCount: c.intervalCount,
        rewarmReadingsLeft: c.rewarmLeft,
      })),
    };
  }

  /**
   * A guard continuing from a {@link snapshot}, where every device's next reading counts as the
   * first after a restore. A malformed device entry is skipped (counted in `skipped`); the others
   * are kept.
   * @throws InputError (`invalid_snapshot`) when the snapshot is not a version-1 object with a `devices` array.
   */
  static restore(
    snapshot: unknown,
    options: ClockJumpOptions,
    declaredIntervalMs?: (deviceId: string) => number | undefined,
  ): { guard: ClockJumpGuard; skipped: number } {
    const s = snapshot as Partial<ClockJumpSnapshot> | null;
    if (s === null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.devices)) {
      throw new InputError(
        'invalid_snapshot',
        `clock guard snapshot: expected {version: 1, devices: [...]}, got ${JSON.stringify(snapshot)?.slice(0, 80)}`,
      );
    }
    const guard = new ClockJumpGuard(options, declaredIntervalMs);
    let skipped = 0;
    for (const d of s.devices as unknown[]) {
      const r = d as Record<string, unknown> | null;
      if (
        r === null ||
        typeof r !== 'object' ||
        typeof r.deviceId !== 'string' ||
        r.deviceId === '' ||
        !isFiniteNumber(r.lastTsMs) ||
        !isFiniteNumber(r.intervalMs) ||
        r.intervalMs < 0 ||
        !Number.isInteger(r.intervalCount) ||
        (r.intervalCount as number) < 0 ||
        !Number.isInteger(r.rewarmReadingsLeft) ||
        (r.rewarmReadingsLeft as number) < 0
      ) {
        skipped++;
        continue;
      }
      guard.track(r.deviceId, {
        lastTsMs: r.lastTsMs,
        intervalMs: r.intervalMs,
        intervalCount: r.intervalCount as number,
        rewarmLeft: Math.min(r.rewarmReadingsLeft as number, options.rewarmReadings),
        resumed: true,
      });
    }
    return { guard, skipped };
  }

  private intervalOf(deviceId: string, c: DeviceClock): number {
    if (c.intervalCount >= MIN_INTERVALS) return c.intervalMs;
    const declared = this.declaredIntervalMs(deviceId);
    return declared !== undefined && declared > 0 ? declared : 0;
  }

  private learnInterval(c: DeviceClock, stepMs: number): void {
    if (c.intervalCount < MIN_INTERVALS) {
      c.intervalCount++;
      c.intervalMs += (stepMs - c.intervalMs) / c.intervalCount;
      return;
    }
    c.intervalCount++;
    c.intervalMs += INTERVAL_RATE * (Math.min(stepMs, INTERVAL_CLIP * c.intervalMs) - c.intervalMs);
  }

  private track(deviceId: string, c: DeviceClock): void {
    this.clocks.set(deviceId, c);
    if (this.clocks.size > this.options.maxDevices)
      this.clocks.delete(this.clocks.keys().next().value as string);
  }

  /** Moves a device to the most recently seen end (Map keeps insertion order). */
  private touch(deviceId: string, c: DeviceClock): void {
    this.clocks.delete(deviceId);
    this.clocks.set(deviceId, c);
  }
}

function isConnectivityOnly(reading: Reading): boolean {
  for (const name in reading.metrics) if (name !== CONNECTIVITY_METRIC) return false;
  return true;
}

/**
 * Turns a score into the quiet score of a re-warming reading: not anomalous, score 0, no episode
 * active, no metric flagged, `evidence.warmingUp` true and `evidence.clockJump` saying why. Changes `score` in
 * place and returns it.
 */
export function muteScore(score: AnomalyScore, verdict: ClockVerdict): AnomalyScore {
  score.isAnomaly = false;
  score.score = 0;
  if (score.episode) score.episode = { active: false };
  const evidence = score.evidence as DetectionEvidence | undefined;
  if (evidence && typeof evidence === 'object' && evidence.metrics) {
    evidence.warmingUp = true;
    evidence.combined.anomalousMetrics = [];
    for (const m of Object.values(evidence.metrics)) {
      m.kind = null;
      delete m.anomalousSinceTsMs;
    }
    evidence.clockJump = {
      ...(verdict.jump ? { kind: verdict.jump, previousTsMs: verdict.previousTsMs! } : {}),
      rewarmReadingsLeft: verdict.rewarmReadingsLeft,
    };
  }
  return score;
}

/**
 * Scores readings in order with the clock guard in front of the detector: each reading is
 * observed by `guard`, its device is forgotten by `detector` when the verdict says so, then it
 * is scored. The whole batch is validated first, so a bad reading changes no state.
 * Muting is left to the caller (after any model scores are merged): apply {@link muteScore}
 * to the scores whose verdict has `mute`.
 * @returns the scores and the verdicts, index for index.
 * @throws InputError naming the first bad reading (`readings[i]` in a batch).
 */
export function detectWithClockGuard(
  detector: Pick<StreamingDetector, 'detect' | 'forgetDevice'>,
  guard: ClockJumpGuard,
  readings: readonly Reading[],
  batch: boolean,
): { scores: AnomalyScore[]; verdicts: ClockVerdict[] } {
  const n = readings.length;
  for (let i = 0; i < n; i++) validateReading(readings[i], batch ? i : undefined);
  const scores: AnomalyScore[] = [];
  const verdicts: ClockVerdict[] = [];
  for (let i = 0; i < n; i++) {
    const reading = readings[i];
    const verdict = guard.observe(reading);
    if (verdict.forget) detector.forgetDevice(reading.deviceId);
    scores.push(detector.detect(reading));
    verdicts.push(verdict);
  }
  return { scores, verdicts };
}
