/**
 * SKAB: outlier detection with SKAB's protocol (the first 400 rows of each anomalous file may be
 * used to fit; point-wise counts pooled over the remaining rows), the alert-fatigue counts of the
 * same replay through explain → route, and the probable cause the explanation names for each
 * experiment against its documented cause.
 */
import { skabOutlierMetrics, type SkabMetrics } from '../../node-red-nodes/src/lib/bench/skab-metrics';
import type { ReadingScorer } from '../../node-red-nodes/src/lib/bench/recording-scorer';
import type { Explanation } from '../../node-red-nodes/src/lib/contracts/types';
import { FleetRegistry } from '../../node-red-nodes/src/lib/fleet/fleet-registry';
import { skabExperiments } from './datasets';
import { FatigueCounter, summarise, type FatigueSummary } from './fatigue';
import { replayFile } from './pipeline';

/** SKAB's protocol: rows before this index are the training part. */
export const SKAB_FIT_ROWS = 400;

export interface CauseOutcome {
  experiment: string;
  documented: string;
  expected: string[];
  /** Explained detections inside the labelled fault period (test part). */
  explained: number;
  /** Top causes of the first alert event (opened or updated) in the fault period: what the first alert says. */
  first: string[];
  /** Causes ranked by summed confidence over all explanations in the fault period. */
  vote: string[];
}

export interface SkabRun {
  metrics: SkabMetrics;
  /** Point-wise metrics of the operator's view: a row counts as flagged while the pump has an open alert. */
  alertMetrics?: SkabMetrics;
  fatigue?: {
    raw: FatigueSummary;
    slack: FatigueSummary;
    webhook: FatigueSummary;
    alertsOpened: number;
    readings: number;
    windows: number;
  };
  causes?: {
    outcomes: CauseOutcome[];
    firstTop1Pct: number;
    firstTop2Pct: number;
    voteTop1Pct: number;
    voteTop2Pct: number;
    candidates: number;
    explainedExperiments: number;
    /** Experiments with an alert event inside the fault period. */
    alertedExperiments: number;
    /** The same figures per SKAB group (valve1, valve2, other): rules were chosen on valve1 only. */
    groups: {
      group: string;
      experiments: number;
      alerted: number;
      firstTop1Pct: number;
      voteTop1Pct: number;
    }[];
  };
  perFile: { name: string; testRows: number; anomalous: number; flagged: number; truePositives: number }[];
  seconds: number;
}

const topCauses = (e: Explanation | undefined): string[] =>
  e ? [...e.causes].sort((a, b) => b.confidence - a.confidence).map((c) => c.id ?? c.cause) : [];

const pct = (n: number, d: number) => (d > 0 ? (100 * n) / d : 0);

/**
 * Replays every anomalous SKAB experiment.
 * @param withPipeline - also run explain → route (fatigue and probable cause).
 * @param makeScorer - a model-backed scorer per experiment (else the streaming detector).
 */
export async function runSkab(
  skabRoot: string,
  log: (s: string) => void,
  withPipeline: boolean,
  makeScorer?: () => Promise<ReadingScorer & { close?(): Promise<void> }>,
): Promise<SkabRun> {
  const started = Date.now();
  const experiments = skabExperiments(skabRoot);
  // Every experiment is one pump; the explanation uses the shipped `pump` playbook.
  const fleet = new FleetRegistry({ defaults: { deviceType: 'pump' } });
  const files: { labels: number[]; predictions: number[] }[] = [];
  const alertFiles: { labels: number[]; predictions: number[] }[] = [];
  const raw = new FatigueCounter();
  const slack = new FatigueCounter();
  const webhook = new FatigueCounter();
  let alertsOpened = 0;
  let readings = 0;
  let windows = 0;
  const outcomes: CauseOutcome[] = [];
  const perFile: SkabRun['perFile'] = [];
  const candidates = new Set<string>();
  for (const exp of experiments) {
    const labels: number[] = [];
    const predictions: number[] = [];
    const alertPredictions: number[] = [];
    let window: string | undefined;
    let first: string[] | undefined;
    let explained = 0;
    const votes = new Map<string, number>();
    const scorer = makeScorer ? await makeScorer() : undefined;
    await replayFile(
      exp.path,
      {
        format: 'skab',
        deviceId: exp.name.replace(/[/.]/g, '-'),
        fleet,
        fitRows: SKAB_FIT_ROWS,
        route: withPipeline,
        scorer,
      },
      (o) => {
        if (o.row.index < SKAB_FIT_ROWS) return;
        const anomalous = o.row.labels?.anomaly === 1 ? 1 : 0;
        labels.push(anomalous);
        // The device's in-episode state (an onset, or a joint episode still open), so a fault's
        // later rows count as detected; a model's per-reading decision carries no episode.
        const flagged = o.detection.score.isAnomaly || o.detection.score.episode?.active === true;
        predictions.push(flagged ? 1 : 0);
        if (!withPipeline) return;
        alertPredictions.push(o.alertOpen ? 1 : 0);
        readings++;
        if (anomalous && window === undefined) {
          windows++;
          window = `${exp.name}#${windows}`;
        } else if (!anomalous) window = undefined;
        // Raw firings are onsets (isAnomaly), the events an alert could open on.
        raw.add(o.detection.score.isAnomaly ? 1 : 0, window);
        slack.add(o.slack, window);
        webhook.add(o.webhook, window);
        alertsOpened += o.opened;
        const explanation = o.detection.explanation;
        if (explanation) for (const c of explanation.causes) candidates.add(c.id ?? c.cause);
        if (anomalous && o.events.length > 0) first ??= topCauses(o.events[0].alert.explanation);
        if (anomalous && explanation && explanation.phase !== 'recovery') {
          explained++;
          for (const c of explanation.causes)
            votes.set(c.id ?? c.cause, (votes.get(c.id ?? c.cause) ?? 0) + c.confidence);
        }
      },
    );
    await scorer?.close?.();
    files.push({ labels, predictions });
    if (withPipeline) alertFiles.push({ labels, predictions: alertPredictions });
    const tp = labels.reduce((a, l, i) => a + (l && predictions[i] ? 1 : 0), 0);
    perFile.push({
      name: exp.name,
      testRows: labels.length,
      anomalous: labels.reduce((a, b) => a + b, 0),
      flagged: predictions.reduce((a, b) => a + b, 0),
      truePositives: tp,
    });
    if (withPipeline) {
      outcomes.push({
        experiment: exp.name,
        documented: exp.documented,
        expected: exp.causeIds,
        explained,
        first: (first ?? []).slice(0, 3),
        vote: [...votes.entries()]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .map(([id]) => id)
          .slice(0, 3),
      });
    }
    log(`  SKAB ${exp.name}: ${labels.length} test rows, ${predictions.reduce((a, b) => a + b, 0)} flagged`);
  }
  const run: SkabRun = { metrics: skabOutlierMetrics(files), perFile, seconds: 0 };
  if (withPipeline) {
    run.alertMetrics = skabOutlierMetrics(alertFiles);
    run.fatigue = {
      raw: summarise(raw, readings, windows),
      slack: summarise(slack, readings, windows),
      webhook: summarise(webhook, readings, windows),
      alertsOpened,
      readings,
      windows,
    };
    const hit = (list: string[], expected: string[], k: number) =>
      list.slice(0, k).some((id) => expected.includes(id));
    const n = outcomes.length;
    run.causes = {
      outcomes,
      firstTop1Pct: pct(outcomes.filter((o) => hit(o.first, o.expected, 1)).length, n),
      firstTop2Pct: pct(outcomes.filter((o) => hit(o.first, o.expected, 2)).length, n),
      voteTop1Pct: pct(outcomes.filter((o) => hit(o.vote, o.expected, 1)).length, n),
      voteTop2Pct: pct(outcomes.filter((o) => hit(o.vote, o.expected, 2)).length, n),
      candidates: candidates.size,
      explainedExperiments: outcomes.filter((o) => o.explained > 0).length,
      alertedExperiments: outcomes.filter((o) => o.first.length > 0).length,
      groups: [...new Set(outcomes.map((o) => o.experiment.split('/')[0]))].map((group) => {
        const of = outcomes.filter((o) => o.experiment.startsWith(`${group}/`));
        return {
          group,
          experiments: of.length,
          alerted: of.filter((o) => o.first.length > 0).length,
          firstTop1Pct: pct(of.filter((o) => hit(o.first, o.expected, 1)).length, of.length),
          voteTop1Pct: pct(of.filter((o) => hit(o.vote, o.expected, 1)).length, of.length),
        };
      }),
    };
  }
  run.seconds = (Date.now() - started) / 1000;
  return run;
}
