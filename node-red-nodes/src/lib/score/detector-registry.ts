import type { CombinedDetector } from '../detect/combined-detector';
import type { FleetRegistry } from '../fleet/fleet-registry';

/**
 * A running detector state that the scoring API may read: what a `lucid-detect` node registers
 * while it runs. `detector()` is read at each request, since the node replaces its detector when
 * it restores a saved state.
 */
export interface DetectorBank {
  /** Unique id (the node's id). */
  id: string;
  /** Human name for responses and logs (the node's name, else its id). */
  name: string;
  /** The live detector, or undefined while the node has none (configuration error). */
  detector(): CombinedDetector | undefined;
  /** The fleet registry the bank validates and converts units with. */
  fleet: FleetRegistry;
}

/**
 * The process-wide set of {@link DetectorBank}s. Node-RED runs every flow of a runtime in one
 * process, so the store's API (mounted by `lucid-store-config`) finds the detectors of the
 * `lucid-detect` nodes here without either node knowing the other. Registration order is kept:
 * a device known to several banks is scored by the first registered.
 */
export class DetectorRegistry {
  private readonly banks = new Map<string, DetectorBank>();

  /** Adds or replaces (same id) a bank; returns a function that removes exactly this registration. */
  register(bank: DetectorBank): () => void {
    this.banks.set(bank.id, bank);
    return () => {
      if (this.banks.get(bank.id) === bank) this.banks.delete(bank.id);
    };
  }

  /** Number of registered banks. */
  get size(): number {
    return this.banks.size;
  }

  /** The registered banks, in registration order. */
  list(): DetectorBank[] {
    return [...this.banks.values()];
  }

  /** The first bank whose live detector holds state for `deviceId`, or undefined. O(banks). */
  bankFor(deviceId: string): { bank: DetectorBank; detector: CombinedDetector } | undefined {
    for (const bank of this.banks.values()) {
      const detector = bank.detector();
      if (detector?.streaming.hasDevice(deviceId)) return { bank, detector };
    }
    return undefined;
  }
}

let shared: DetectorRegistry | undefined;

/** The registry shared by the nodes of this process (created on first call). */
export function detectorRegistry(): DetectorRegistry {
  shared ??= new DetectorRegistry();
  return shared;
}
