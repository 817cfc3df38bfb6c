import { ConfigError } from '../contracts/errors';
import type { FleetSimulator } from './fleet-simulator';
import type { SimulationTick } from './simulation-types';

/** Timer functions the runner uses; injectable for tests. Defaults to Node's globals and `Date.now`. */
export interface RunnerTimers {
  nowMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

/** Node's own timers and clock. */
export const NODE_TIMERS: RunnerTimers = {
  nowMs: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (h) => clearImmediate(h as NodeJS.Immediate),
};

/** Settings of a {@link SimulationRunner}. */
export interface SimulationRunnerOptions {
  /**
   * Simulated ms per wall-clock ms (1 = real time, 10 = ten times faster); 0 = as fast as
   * possible, in chunks of `chunkTicks` ticks separated by `setImmediate` so the event loop
   * (and Node-RED) stays responsive. ≥ 0.
   */
  speed: number;
  /** Stop after this many ticks since the last reset; 0 = run forever. Default 0. */
  maxTicks?: number;
  /** Ticks emitted per event-loop turn at most (as-fast-as-possible mode and catch-up). Default 20. */
  chunkTicks?: number;
  /** Receives every tick, in order. An exception stops the runner and goes to `onError`. */
  onTick: (tick: SimulationTick) => void;
  /** Called once when `maxTicks` is reached. */
  onEnd?: () => void;
  /** Called when `onTick` throws (the runner is stopped). */
  onError?: (err: Error) => void;
  timers?: RunnerTimers;
}

/**
 * Drives a {@link FleetSimulator} in wall-clock time: real time scaled by a speed factor, or
 * as fast as possible without blocking the event loop. `stop()` releases every timer.
 *
 * In real-time mode tick k is emitted once `(tickTime − runStartSimTime) / speed` wall ms have
 * passed since `start()`; a runner that falls behind catches up in chunks.
 *
 * @example
 * const runner = new SimulationRunner(new FleetSimulator(), { speed: 10, onTick: (t) => publish(t) });
 * runner.start(); // … runner.stop();
 */
export class SimulationRunner {
  private readonly timers: RunnerTimers;
  private readonly maxTicks: number;
  private readonly chunkTicks: number;
  private handle: { kind: 'timeout' | 'immediate'; value: unknown } | null = null;
  private runWallStartMs = 0;
  private runSimStartMs = 0;
  private ticks: number;
  private active = false;

  /** @throws ConfigError when speed, maxTicks or chunkTicks is out of range. */
  constructor(
    private readonly simulator: FleetSimulator,
    private readonly options: SimulationRunnerOptions,
  ) {
    if (!Number.isFinite(options.speed) || options.speed < 0) {
      throw new ConfigError(`speed: expected a number ≥ 0 (0 = as fast as possible), got ${options.speed}`);
    }
    this.maxTicks = options.maxTicks ?? 0;
    if (!Number.isInteger(this.maxTicks) || this.maxTicks < 0) {
      throw new ConfigError(`maxTicks: expected an integer ≥ 0 (0 = forever), got ${options.maxTicks}`);
    }
    this.chunkTicks = options.chunkTicks ?? 20;
    if (!Number.isInteger(this.chunkTicks) || this.chunkTicks < 1) {
      throw new ConfigError(`chunkTicks: expected an integer ≥ 1, got ${options.chunkTicks}`);
    }
    this.timers = options.timers ?? NODE_TIMERS;
    // A simulator advanced to a later tick (a resumed run) has already done those ticks.
    this.ticks = simulator.nextTickIndex;
  }

  /** Whether the runner is emitting ticks. */
  get running(): boolean {
    return this.active;
  }

  /** Ticks done since the simulator's tick 0 (construction, or the last `reset()`). */
  get ticksDone(): number {
    return this.ticks;
  }

  /** Whether `maxTicks` has been reached. */
  get finished(): boolean {
    return this.maxTicks > 0 && this.ticks >= this.maxTicks;
  }

  /** Starts (or resumes from the current tick). No effect while running or when finished. */
  start(): void {
    if (this.active || this.finished) return;
    this.active = true;
    this.runWallStartMs = this.timers.nowMs();
    this.runSimStartMs = this.simulator.simTimeMs;
    this.schedule(0);
  }

  /** Pauses and releases the pending timer; `start()` resumes. */
  stop(): void {
    this.active = false;
    if (this.handle) {
      if (this.handle.kind === 'timeout') this.timers.clearTimeout(this.handle.value);
      else this.timers.clearImmediate(this.handle.value);
      this.handle = null;
    }
  }

  /** Stops and rewinds the simulator to tick 0. */
  reset(): void {
    this.stop();
    this.simulator.reset();
    this.ticks = 0;
  }

  private schedule(delayMs: number): void {
    if (this.options.speed === 0 || delayMs <= 0) {
      this.handle = { kind: 'immediate', value: this.timers.setImmediate(() => this.turn()) };
    } else {
      this.handle = { kind: 'timeout', value: this.timers.setTimeout(() => this.turn(), delayMs) };
    }
  }

  private turn(): void {
    this.handle = null;
    if (!this.active) return;
    try {
      for (let n = 0; n < this.chunkTicks; n++) {
        if (this.finished) {
          this.active = false;
          this.options.onEnd?.();
          return;
        }
        if (this.options.speed > 0 && this.dueInMs() > 0) break;
        this.ticks++;
        this.options.onTick(this.simulator.next());
        if (!this.active) return;
      }
    } catch (err) {
      this.stop();
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.finished) {
      this.active = false;
      this.options.onEnd?.();
      return;
    }
    this.schedule(this.options.speed === 0 ? 0 : this.dueInMs());
  }

  /** Wall ms until the next tick is due (≤ 0: due now). */
  private dueInMs(): number {
    const dueWallMs =
      this.runWallStartMs + (this.simulator.simTimeMs - this.runSimStartMs) / this.options.speed;
    return dueWallMs - this.timers.nowMs();
  }
}

/**
 * A start time that keeps timestamps wall-clock-plausible: now (aligned down to the interval)
 * at real-time speed or slower, or for an endless run; otherwise now − the run's simulated
 * duration, so that a faster-than-real-time or as-fast-as-possible run ends at about now and
 * never produces future timestamps.
 *
 * @param nowMs - wall clock, epoch ms.
 * @param intervalMs - sample interval, ms.
 * @param speed - 0 (as fast as possible) or simulated ms per wall ms.
 * @param durationMs - simulated duration of the run, ms; 0 = endless.
 */
export function plausibleStartTsMs(
  nowMs: number,
  intervalMs: number,
  speed: number,
  durationMs: number,
): number {
  const aligned = Math.floor(nowMs / intervalMs) * intervalMs;
  if (durationMs <= 0 || (speed > 0 && speed <= 1)) return aligned;
  return Math.floor((nowMs - durationMs) / intervalMs) * intervalMs;
}
