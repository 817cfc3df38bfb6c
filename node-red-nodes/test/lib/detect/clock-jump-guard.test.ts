import {
  ClockJumpGuard,
  DEFAULT_CLOCK_JUMP_OPTIONS,
  detectWithClockGuard,
  muteScore,
  resolveClockJumpOptions,
  type ClockVerdict,
} from '../../../src/lib/detect/clock-jump-guard';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { StreamingDetector, type DetectorSnapshot } from '../../../src/lib/detect/streaming-detector';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import type { DetectionEvidence, Reading } from '../../../src/lib/contracts';
import { FleetSimulator } from '../../../src/lib/simulate/fleet-simulator';
import { T0 } from './fixtures';

const S = 1000;
const at = (tsMs: number, deviceId = 'd1'): Reading => ({ deviceId, tsMs, metrics: { t: 20 } });

/** Feeds readings every `stepMs` from `fromMs`, `n` of them, and returns the verdicts. */
function feed(guard: ClockJumpGuard, fromMs: number, n: number, stepMs = 10 * S): ClockVerdict[] {
  const out: ClockVerdict[] = [];
  for (let i = 0; i < n; i++) out.push(guard.observe(at(fromMs + i * stepMs)));
  return out;
}

const options = resolveClockJumpOptions({ rewarmReadings: 5 });

describe('ClockJumpGuard', () => {
  it('lets a regular stream through: no verdict mutes or forgets', () => {
    const guard = new ClockJumpGuard(options);
    expect(feed(guard, T0, 50).every((v) => !v.mute && !v.forget)).toBe(true);
  });

  // Stream: 20 readings every 10 s from T0 (last at T0 + 190 s), then the reading below.
  it.each([
    ['2 s back: out-of-order delivery', undefined, 188 * S],
    ['50 s back: within the 60 s tolerance', undefined, 140 * S],
    ['2.5 h back: a restarted simulator', 'backward', 190 * S - 9000 * S],
    [
      '60 intervals ahead: a device silent for 10 min (the gap detector reports it)',
      undefined,
      190 * S + 600 * S,
    ],
    ['101 intervals ahead', 'forward', 190 * S + 1010 * S],
    ['6 h ahead: a replay resumed later', 'forward', 190 * S + 6 * 3600 * S],
  ])('%s → jump %s', (_name, expected, offsetMs) => {
    const guard = new ClockJumpGuard(options);
    feed(guard, T0, 20);
    const verdict = guard.observe(at(T0 + offsetMs));
    expect(verdict.jump).toBe(expected);
    // Only a backward jump forgets; a forward one keeps the learned state and only re-warms.
    expect(verdict.forget).toBe(expected === 'backward');
    expect(verdict.mute).toBe(expected !== undefined);
  });

  it('re-warms quietly for exactly rewarmReadings readings after a jump, counting down, then judges again', () => {
    const guard = new ClockJumpGuard(options);
    feed(guard, T0, 20);
    const after = feed(guard, T0 - 3600 * S, 8);
    expect(after.map((v) => v.mute)).toEqual([true, true, true, true, true, false, false, false]);
    expect(after.map((v) => v.forget)).toEqual([true, false, false, false, false, false, false, false]);
    expect(after.slice(0, 5).map((v) => v.rewarmReadingsLeft)).toEqual([4, 3, 2, 1, 0]);
    expect(after[0].previousTsMs).toBe(T0 + 190 * S);
    expect(guard.jumps).toBe(1);
  });

  it('keeps what the detector learned over a forward jump and forgets it on a backward one', () => {
    const config = resolveDetectConfig({});
    const reading = (tsMs: number, i: number): Reading => ({
      deviceId: 'd1',
      tsMs,
      metrics: { t: 20 + 0.1 * Math.sin(i) },
    });
    const learned = (detector: StreamingDetector) =>
      (detector.snapshot().series as { count?: number }[]).length;
    for (const [offsetMs, kept] of [
      [6 * 3600 * S, true],
      [-6 * 3600 * S, false],
    ] as const) {
      const detector = new StreamingDetector(config, new FleetRegistry({}));
      const guard = new ClockJumpGuard(options);
      const before = Array.from({ length: 60 }, (_, i) => reading(T0 + i * 10 * S, i));
      detectWithClockGuard(detector, guard, before, true);
      const series = learned(detector);
      expect(series).toBeGreaterThan(0);
      const jumped = reading(T0 + 590 * S + offsetMs, 60);
      const { scores, verdicts } = detectWithClockGuard(detector, guard, [jumped], true);
      expect(verdicts[0]).toMatchObject({ jump: kept ? 'forward' : 'backward', forget: !kept, mute: true });
      // Kept: the jumped reading is scored against the learned baseline (not a warm-up).
      expect((scores[0].evidence as DetectionEvidence).warmingUp === true).toBe(!kept);
    }
  });

  it('tracks devices separately: one device jumping does not mute another', () => {
    const guard = new ClockJumpGuard(options);
    for (let i = 0; i < 20; i++) {
      guard.observe(at(T0 + i * 10 * S, 'a'));
      guard.observe(at(T0 + i * 10 * S, 'b'));
    }
    expect(guard.observe(at(T0 - 3600 * S, 'a')).forget).toBe(true);
    expect(guard.observe(at(T0 + 200 * S, 'b')).mute).toBe(false);
  });

  it('uses the declared interval before it has learned one (a forward jump needs no history then)', () => {
    const declared = new ClockJumpGuard(options, () => 10 * S);
    declared.observe(at(T0));
    expect(declared.observe(at(T0 + 2000 * S)).jump).toBe('forward');
    const undeclared = new ClockJumpGuard(options);
    undeclared.observe(at(T0));
    expect(undeclared.observe(at(T0 + 2000 * S)).jump).toBeUndefined();
  });

  it('learns the interval robustly: one long gap does not stretch it enough to hide a later jump', () => {
    const guard = new ClockJumpGuard(options);
    feed(guard, T0, 20);
    guard.observe(at(T0 + 190 * S + 600 * S)); // a 10-min silence (60 intervals)
    feed(guard, T0 + 800 * S, 5);
    expect(guard.observe(at(T0 + 840 * S + 1500 * S)).jump).toBe('forward');
  });

  it('ignores readings that carry only connectivity (from the ingest watchdog, not the device clock)', () => {
    const guard = new ClockJumpGuard(options);
    feed(guard, T0, 20);
    const lost: Reading = { deviceId: 'd1', tsMs: T0 + 9e9, metrics: { connectivity: 0 } };
    expect(guard.observe(lost)).toEqual({ forget: false, mute: false, rewarmReadingsLeft: 0 });
    expect(guard.observe(at(T0 + 200 * S)).mute).toBe(false);
  });

  describe('after a restore', () => {
    const restored = (): ClockJumpGuard => {
      const guard = new ClockJumpGuard(options);
      feed(guard, T0, 20);
      return ClockJumpGuard.restore(JSON.parse(JSON.stringify(guard.snapshot())), options).guard;
    };

    it('mutes the first reading when its gap spans the restart (10 intervals), without forgetting', () => {
      const guard = restored();
      const first = guard.observe(at(T0 + 190 * S + 100 * S));
      expect(first).toMatchObject({ jump: 'resume_gap', forget: false, mute: true, rewarmReadingsLeft: 0 });
      expect(guard.observe(at(T0 + 300 * S)).mute).toBe(false);
    });

    it('lets a reading that continues the stream through (no gap)', () => {
      expect(restored().observe(at(T0 + 200 * S)).mute).toBe(false);
    });

    it('still re-warms on a backward jump (the restarted simulator of the lead’s reproduction)', () => {
      expect(restored().observe(at(T0 - 9000 * S))).toMatchObject({ jump: 'backward', forget: true });
    });

    it('keeps a re-warm in progress across the restore', () => {
      const guard = new ClockJumpGuard(options);
      feed(guard, T0, 20);
      feed(guard, T0 - 3600 * S, 2);
      const again = ClockJumpGuard.restore(guard.snapshot(), options).guard;
      expect(feed(again, T0 - 3580 * S, 4).map((v) => v.mute)).toEqual([true, true, true, false]);
    });

    it('skips a malformed device entry and keeps the others', () => {
      const guard = new ClockJumpGuard(options);
      guard.observe(at(T0, 'a'));
      guard.observe(at(T0, 'b'));
      const snap = guard.snapshot() as unknown as { devices: Record<string, unknown>[] };
      snap.devices[0].lastTsMs = null;
      const { guard: again, skipped } = ClockJumpGuard.restore(snap, options);
      expect(skipped).toBe(1);
      expect(again.deviceCount).toBe(1);
    });

    it.each([[null], [{}], [{ version: 2, devices: [] }], [{ version: 1, devices: {} }]])(
      'refuses snapshot %j with InputError invalid_snapshot',
      (bad) => {
        expect(() => ClockJumpGuard.restore(bad, options)).toThrow(
          expect.objectContaining({ code: 'invalid_snapshot' }),
        );
      },
    );
  });

  it('seeds an untracked device from a last-seen time; its next reading counts as the first after a restore', () => {
    const guard = new ClockJumpGuard(options, () => 10 * S);
    guard.seed('d1', T0);
    guard.seed('d1', T0 + 1e9); // already tracked: unchanged
    expect(guard.observe(at(T0 - 3600 * S)).jump).toBe('backward');
  });

  it('tracks at most maxDevices devices, dropping the least recently seen', () => {
    const guard = new ClockJumpGuard(resolveClockJumpOptions({ maxDevices: 3 }));
    for (const id of ['a', 'b', 'c']) guard.observe(at(T0, id));
    guard.observe(at(T0 + S, 'a'));
    guard.observe(at(T0, 'd'));
    expect(guard.snapshot().devices.map((d) => d.deviceId)).toEqual(['c', 'a', 'd']);
  });

  it.each([
    [{ rewarmReadings: 0 }, /rewarmReadings/],
    [{ rewarmReadings: 2.5 }, /rewarmReadings/],
    [{ backwardToleranceMs: -1 }, /backwardToleranceMs/],
    [{ forwardJumpIntervals: Number.NaN }, /forwardJumpIntervals/],
    [{ maxDevices: Infinity }, /maxDevices/],
  ])('resolveClockJumpOptions refuses %j', (partial, message) => {
    expect(() => resolveClockJumpOptions(partial)).toThrow(message);
  });

  it('defaults: re-warm 30, tolerance 60 s, forward jump 100 intervals, resume gap 5 intervals', () => {
    expect(resolveClockJumpOptions()).toEqual(DEFAULT_CLOCK_JUMP_OPTIONS);
    expect(DEFAULT_CLOCK_JUMP_OPTIONS).toMatchObject({
      rewarmReadings: 30,
      backwardToleranceMs: 60_000,
      forwardJumpIntervals: 100,
      resumeGapIntervals: 5,
    });
  });
});

describe('detectWithClockGuard with the streaming detector (the restart reproduction)', () => {
  const INTERVAL_MS = 10_000;
  const config = resolveDetectConfig({ warmupReadings: 30 });

  /** The simulated fleet (no incidents) from `startTsMs`, `ticks` ticks, as readings. */
  function fleetReadings(startTsMs: number, ticks: number, skip = 0): Reading[] {
    const sim = new FleetSimulator({ seed: 42, intervalMs: INTERVAL_MS, startTsMs, incidents: false });
    const out: Reading[] = [];
    for (let i = 0; i < skip + ticks; i++) {
      const tick = sim.next();
      if (i >= skip) for (const r of tick.readings) out.push(r.reading);
    }
    return out;
  }

  /** Learns 2.5 h of the fleet, saves and restores (JSON round trip), then sees `after`; counts anomalies. */
  function restartScenario(after: Reading[], guarded: boolean): number {
    const fleet = new FleetRegistry(
      new FleetSimulator({ seed: 42, intervalMs: INTERVAL_MS }).fleetDefinition(),
    );
    const guardOptions = resolveClockJumpOptions({ rewarmReadings: config.warmupReadings });
    const first = new StreamingDetector(config, fleet);
    const guard = new ClockJumpGuard(guardOptions, () => INTERVAL_MS);
    const before = fleetReadings(T0, 900);
    if (detectWithClockGuard(first, guard, before, true).scores.some((s) => s.isAnomaly))
      throw new Error('the incident-free fleet raised an anomaly before the restart');
    const detector = StreamingDetector.restore(
      JSON.parse(JSON.stringify(first.snapshot())) as DetectorSnapshot,
      config,
      fleet,
    );
    const restoredGuard = ClockJumpGuard.restore(
      JSON.parse(JSON.stringify(guard.snapshot())),
      guardOptions,
      () => INTERVAL_MS,
    ).guard;
    if (!guarded) return detector.detectBatch(after).filter((s) => s.isAnomaly).length;
    const { scores, verdicts } = detectWithClockGuard(detector, restoredGuard, after, true);
    scores.forEach((s, i) => verdicts[i].mute && muteScore(s, verdicts[i]));
    return scores.filter((s) => s.isAnomaly).length;
  }

  it('the simulator restarting its clock 2.5 h back floods anomalies without the guard (the test can fail)', () => {
    expect(restartScenario(fleetReadings(T0, 300), false)).toBeGreaterThan(5);
  });

  it('with the guard, the same restart raises no anomaly', () => {
    expect(restartScenario(fleetReadings(T0, 300), true)).toBe(0);
  });

  it('with the guard, a stream resumed 6 h later raises no anomaly', () => {
    expect(restartScenario(fleetReadings(T0, 300, 900 + 2160), true)).toBe(0);
  });

  it('after the re-warm, detection works again: a +15 °C step is flagged', () => {
    const fleet = new FleetRegistry({});
    const detector = new StreamingDetector(config, fleet);
    const guard = new ClockJumpGuard(resolveClockJumpOptions({ rewarmReadings: 30 }));
    const steady = (from: number, n: number): Reading[] =>
      Array.from({ length: n }, (_, i) => ({
        deviceId: 'd1',
        tsMs: from + i * INTERVAL_MS,
        metrics: { t: 20 + 0.1 * Math.sin(i) },
      }));
    detectWithClockGuard(detector, guard, steady(T0, 100), true);
    const back = steady(T0 - 86_400_000, 60);
    back.push({ deviceId: 'd1', tsMs: T0 - 86_400_000 + 60 * INTERVAL_MS, metrics: { t: 35 } });
    const { scores, verdicts } = detectWithClockGuard(detector, guard, back, true);
    expect(verdicts.filter((v) => v.mute)).toHaveLength(30);
    expect(scores[60].isAnomaly).toBe(true);
  });

  it('validates the whole batch first: a bad reading changes neither the guard nor the detector', () => {
    const detector = new StreamingDetector(config, new FleetRegistry({}));
    const guard = new ClockJumpGuard(DEFAULT_CLOCK_JUMP_OPTIONS);
    const bad = [at(T0), { deviceId: 'd1', tsMs: Number.NaN, metrics: { t: 1 } } as Reading];
    expect(() => detectWithClockGuard(detector, guard, bad, true)).toThrow(/readings\[1\]/);
    expect(guard.deviceCount).toBe(0);
    expect(detector.seriesCount).toBe(0);
  });

  it('muteScore clears the decision and says why', () => {
    const detector = new StreamingDetector(config, new FleetRegistry({}));
    const score = detector.detect(at(T0));
    score.isAnomaly = true;
    muteScore(score, {
      jump: 'backward',
      previousTsMs: T0 + 1,
      forget: true,
      mute: true,
      rewarmReadingsLeft: 3,
    });
    const evidence = score.evidence as DetectionEvidence;
    expect(score).toMatchObject({ isAnomaly: false, score: 0 });
    expect(evidence.warmingUp).toBe(true);
    expect(evidence.clockJump).toEqual({ kind: 'backward', previousTsMs: T0 + 1, rewarmReadingsLeft: 3 });
  });
});
