/**
 * Replays one recorded file through the library stages the nodes run: ingest → detect (the same
 * `scoreRecording` as `lucid score`) → explain → route, calling back once per row.
 */
import type { AlertEvent, Detection } from '../../node-red-nodes/src/lib/contracts/types';
import type { DetectConfig } from '../../node-red-nodes/src/lib/detect';
import { Explainer } from '../../node-red-nodes/src/lib/explain';
import { FleetRegistry } from '../../node-red-nodes/src/lib/fleet/fleet-registry';
import { Recording, type RecordedRow } from '../../node-red-nodes/src/lib/replay/recording';
import type { RecordingFormat } from '../../node-red-nodes/src/lib/replay/recording-format';
import { AlertRouter } from '../../node-red-nodes/src/lib/route/alert-router';
import { resolveRouteOptions } from '../../node-red-nodes/src/lib/route/route-options';
import { scoreRecording, type ReadingScorer } from '../../node-red-nodes/src/lib/bench/recording-scorer';

export interface PipelineOptions {
  format: RecordingFormat;
  deviceId: string;
  fleet?: FleetRegistry;
  detect?: Partial<DetectConfig>;
  fitRows?: number;
  /** Run the explain stage (lucid-explain's Explainer, default options). */
  explain?: boolean;
  /** Run the route stage (lucid-route's AlertRouter, default options); implies explain. */
  route?: boolean;
  scorer?: ReadingScorer;
}

/** What happened to one row. */
export interface RowOutcome {
  row: RecordedRow;
  /** The detection, with `explanation` when explained and anomalous. */
  detection: Detection;
  /** Notifications the router emitted on this row, per channel. */
  slack: number;
  webhook: number;
  /** Alerts opened on this row. */
  opened: number;
  /** The router's `opened`/`updated` events on this row. */
  events: AlertEvent[];
  /** Whether, after this row, the device has an open (or acknowledged) alert: what an operator sees. */
  alertOpen: boolean;
}

/** Replays `path` and calls `onRow` for every row, in order. */
export async function replayFile(
  path: string,
  options: PipelineOptions,
  onRow: (outcome: RowOutcome) => void,
): Promise<void> {
  const fleet = options.fleet ?? new FleetRegistry({});
  const explainer = options.explain || options.route ? new Explainer({ registry: fleet }) : undefined;
  const router = options.route ? new AlertRouter(resolveRouteOptions({}), fleet, () => 0) : undefined;
  const recording = await Recording.open(path, { format: options.format });
  for await (const batch of scoreRecording(recording.rows(), {
    deviceId: options.deviceId,
    fleet,
    detect: options.detect,
    fitRows: options.fitRows,
    scorer: options.scorer,
  })) {
    const detections = explainer
      ? explainer.process(batch.map((s) => s.detection))
      : batch.map((s) => s.detection);
    batch.forEach(({ row }, i) => {
      const detection = detections[i];
      let slack = 0;
      let webhook = 0;
      let opened = 0;
      let alertOpen = false;
      let events: AlertEvent[] = [];
      if (router) {
        const result = router.route([detection]);
        events = result.events.filter((e) => e.kind === 'opened' || e.kind === 'updated');
        for (const n of result.notifications) {
          if (n.channel === 'slack') slack++;
          else webhook++;
        }
        opened = result.events.filter((e) => e.kind === 'opened').length;
        alertOpen = router
          .openAlerts()
          .some((a) => a.deviceId === options.deviceId && a.status !== 'suppressed');
      }
      onRow({ row, detection, slack, webhook, opened, alertOpen, events });
    });
  }
}
