import { FleetSimulator } from '../../../src/lib/simulate/fleet-simulator';
import {
  MAX_RESUME_TICKS,
  resumePosition,
  type ResumeSettings,
} from '../../../src/lib/simulate/simulation-clock';
import { SimulationRunner } from '../../../src/lib/simulate/simulation-runner';

const MIN = 60_000;
const NOW = Date.UTC(2024, 5, 1, 12);
const INTERVAL = 10_000;

/** The demo: 420 simulated minutes at 60× ending at about now, started automatically. */
const demo: ResumeSettings = {
  fingerprint: 'demo',
  freshStartTsMs: NOW - 420 * MIN,
  automaticStart: true,
  nowMs: NOW,
  intervalMs: INTERVAL,
  speed: 60,
  maxTicks: 2520,
};
const saved = (startTsMs: number, nextTickIndex: number, fingerprint = 'demo') => ({
  version: 1,
  fingerprint,
  startTsMs,
  nextTickIndex,
});

describe('resumePosition', () => {
  it.each<
    [string, unknown, Partial<ResumeSettings>, { startTsMs: number; tickIndex: number; resumed: boolean }]
  >([
    ['nothing saved: a new run', undefined, {}, { startTsMs: NOW - 420 * MIN, tickIndex: 0, resumed: false }],
    [
      'malformed: a new run',
      { version: 1, fingerprint: 'demo', startTsMs: 'x' },
      {},
      { startTsMs: NOW - 420 * MIN, tickIndex: 0, resumed: false },
    ],
    [
      'the demo restarted 10 min after it stopped 2.5 h in: continues at its next tick',
      saved(NOW - 430 * MIN, 900),
      {},
      { startTsMs: NOW - 430 * MIN, tickIndex: 900, resumed: true },
    ],
    [
      'other settings: a new run',
      saved(NOW - 430 * MIN, 900, 'seed 7'),
      {},
      { startTsMs: NOW - 420 * MIN, tickIndex: 0, resumed: false },
    ],
    [
      'a finished run: a new run',
      saved(NOW - 430 * MIN, 2520),
      {},
      { startTsMs: NOW - 420 * MIN, tickIndex: 0, resumed: false },
    ],
    [
      'stopped longer ago than a whole run: a new run (old timestamps would be refused by ingest)',
      saved(NOW - 3 * 1440 * MIN, 900),
      {},
      { startTsMs: NOW - 420 * MIN, tickIndex: 0, resumed: false },
    ],
    [
      'real time, endless, down for 1 h: the same run continues at the present',
      saved(NOW - 300 * MIN, 1440),
      { speed: 1, maxTicks: 0, freshStartTsMs: NOW },
      { startTsMs: NOW - 300 * MIN, tickIndex: 1800, resumed: true },
    ],
    [
      'a configured start: continues at the saved tick',
      saved(Date.UTC(2024, 0, 1), 500),
      { automaticStart: false, freshStartTsMs: Date.UTC(2024, 0, 1) },
      { startTsMs: Date.UTC(2024, 0, 1), tickIndex: 500, resumed: true },
    ],
    [
      `more than ${MAX_RESUME_TICKS} ticks to replay: a new run`,
      saved(0, MAX_RESUME_TICKS + 1),
      { automaticStart: false, freshStartTsMs: 0, maxTicks: 0 },
      { startTsMs: 0, tickIndex: 0, resumed: false },
    ],
  ])('%s', (_name, savedValue, settings, expected) => {
    expect(resumePosition(savedValue, { ...demo, ...settings })).toEqual(expected);
  });
});

describe('resuming a simulator', () => {
  it('advanceTo gives the readings an uninterrupted run gives from that tick', () => {
    const options = { seed: 42, intervalMs: INTERVAL, startTsMs: NOW - 420 * MIN };
    const straight = new FleetSimulator(options);
    for (let i = 0; i < 700; i++) straight.next();
    const resumed = new FleetSimulator(options);
    resumed.advanceTo(700);
    expect(resumed.simTimeMs).toBe(straight.simTimeMs);
    for (let i = 0; i < 300; i++) expect(resumed.next()).toEqual(straight.next());
    expect(() => resumed.advanceTo(10)).toThrow(/expected an integer tick/);
  });

  it('a runner on a resumed simulator counts the ticks already done towards maxTicks', () => {
    const sim = new FleetSimulator({ seed: 1, intervalMs: INTERVAL, startTsMs: NOW });
    sim.advanceTo(8);
    const ticks: number[] = [];
    const runner = new SimulationRunner(sim, {
      speed: 0,
      maxTicks: 10,
      onTick: (t) => ticks.push(t.index),
      timers: {
        nowMs: () => NOW,
        setTimeout: (fn) => fn(),
        clearTimeout: () => undefined,
        setImmediate: (fn) => fn(),
        clearImmediate: () => undefined,
      },
    });
    expect(runner.ticksDone).toBe(8);
    runner.start();
    expect(ticks).toEqual([8, 9]);
    expect(runner.finished).toBe(true);
  });
});
