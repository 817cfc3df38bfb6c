import { ConfigError } from '../../../src/lib/contracts/errors';
import { FleetSimulator } from '../../../src/lib/simulate/fleet-simulator';
import { plausibleStartTsMs, SimulationRunner } from '../../../src/lib/simulate/simulation-runner';
import type { SimulationTick } from '../../../src/lib/simulate/simulation-types';

const WALL0 = Date.UTC(2024, 0, 1, 12);

describe('SimulationRunner', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: WALL0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('real time at speed 10 emits one 10 s tick per wall second', () => {
    const sim = new FleetSimulator({ startTsMs: WALL0, deviceCount: 3 });
    const ticks: SimulationTick[] = [];
    const runner = new SimulationRunner(sim, { speed: 10, onTick: (t) => ticks.push(t) });
    runner.start();
    jest.advanceTimersByTime(0);
    expect(ticks.map((t) => t.index)).toEqual([0]);
    jest.advanceTimersByTime(999);
    expect(ticks).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(ticks).toHaveLength(2);
    jest.advanceTimersByTime(3000);
    expect(ticks.map((t) => t.tsMs - WALL0)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    runner.stop();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10_000);
    expect(ticks).toHaveLength(5);
  });

  it('as fast as possible yields to the event loop between chunks and stops at maxTicks', () => {
    const sim = new FleetSimulator({ startTsMs: WALL0, deviceCount: 2 });
    const ticks: SimulationTick[] = [];
    const onEnd = jest.fn();
    const runner = new SimulationRunner(sim, {
      speed: 0,
      maxTicks: 50,
      chunkTicks: 20,
      onTick: (t) => ticks.push(t),
      onEnd,
    });
    runner.start();
    expect(ticks).toHaveLength(0); // nothing synchronous
    jest.advanceTimersToNextTimer();
    expect(ticks).toHaveLength(20);
    jest.runAllTimers();
    expect(ticks).toHaveLength(50);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(runner.running).toBe(false);
    expect(runner.finished).toBe(true);
    runner.start(); // finished: no effect
    jest.runAllTimers();
    expect(ticks).toHaveLength(50);
  });

  it('stop() pauses, start() resumes at the next tick, reset() rewinds', () => {
    const sim = new FleetSimulator({ startTsMs: WALL0, deviceCount: 1 });
    const ticks: SimulationTick[] = [];
    const runner = new SimulationRunner(sim, { speed: 0, chunkTicks: 5, onTick: (t) => ticks.push(t) });
    runner.start();
    jest.advanceTimersToNextTimer();
    runner.stop();
    jest.runAllTimers();
    expect(ticks.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
    runner.start();
    jest.advanceTimersToNextTimer();
    runner.reset();
    expect(runner.ticksDone).toBe(0);
    runner.start();
    jest.advanceTimersToNextTimer();
    runner.stop();
    expect(ticks.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4]);
    expect(ticks[10]).toEqual(ticks[0]);
  });

  it('an exception in onTick stops the runner and reaches onError', () => {
    const sim = new FleetSimulator({ startTsMs: WALL0, deviceCount: 1 });
    const onError = jest.fn();
    const runner = new SimulationRunner(sim, {
      speed: 0,
      onTick: () => {
        throw new Error('downstream broke');
      },
      onError,
    });
    runner.start();
    jest.runAllTimers();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'downstream broke' }));
    expect(runner.running).toBe(false);
  });

  it.each([
    [{ speed: -1 }, /speed/],
    [{ speed: Number.NaN }, /speed/],
    [{ speed: 1, maxTicks: -1 }, /maxTicks/],
    [{ speed: 1, chunkTicks: 0 }, /chunkTicks/],
  ])('rejects %j', (options, message) => {
    const sim = new FleetSimulator({ startTsMs: WALL0 });
    expect(() => new SimulationRunner(sim, { onTick: () => undefined, ...options })).toThrow(ConfigError);
    expect(() => new SimulationRunner(sim, { onTick: () => undefined, ...options })).toThrow(message);
  });
});

describe('plausibleStartTsMs', () => {
  it.each([
    ['real time, endless: now aligned', 1, 0, WALL0 + 5_000, WALL0],
    ['real time, finite: now aligned', 1, 3_600_000, WALL0 + 5_000, WALL0],
    ['as fast as possible, finite: ends at now', 0, 3_600_000, WALL0, WALL0 - 3_600_000],
    ['speed 10, finite: ends at now', 10, 3_600_000, WALL0, WALL0 - 3_600_000],
    ['as fast as possible, endless: now', 0, 0, WALL0, WALL0],
  ])('%s', (_label, speed, durationMs, nowMs, expected) => {
    expect(plausibleStartTsMs(nowMs, 10_000, speed, durationMs)).toBe(expected);
  });
});
