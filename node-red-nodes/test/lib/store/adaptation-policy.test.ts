import type { Adaptation, Feedback } from '../../../src/lib/contracts/types';
import {
  adaptationsForFeedback,
  DEFAULT_FEEDBACK_POLICY,
  resolveFeedbackPolicy,
} from '../../../src/lib/feedback/adaptation-policy';
import { resolveDetectConfig } from '../../../src/lib/detect/detect-config';
import { StreamingDetector } from '../../../src/lib/detect/streaming-detector';
import { AlertRouter } from '../../../src/lib/route/alert-router';
import { resolveRouteOptions } from '../../../src/lib/route/route-options';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { makeAlert } from './fixtures';

const alert = makeAlert({ lastSeenMs: 1_000_000 });
let n = 0;
const newId = (): string => `ad-${++n}`;
const fb = (verdict: Feedback['verdict'], comment?: string): Feedback => ({
  alertId: alert.id,
  verdict,
  user: 'alice',
  tsMs: 5,
  comment,
});

beforeEach(() => {
  n = 0;
});

describe('adaptationsForFeedback', () => {
  it.each([
    [
      'false_positive',
      [
        {
          kind: 'threshold',
          deviceId: 'dev-1',
          metric: 'temperature',
          value: 0.1,
          untilMs: 1_000_000 + 7 * 86_400_000,
        },
        { kind: 'suppress', fingerprint: alert.fingerprint, untilMs: 1_000_000 + 86_400_000 },
      ],
    ],
    [
      'expected',
      [
        {
          kind: 'silence',
          deviceId: 'dev-1',
          metric: 'temperature',
          type: 'spike',
          untilMs: 1_000_000 + 3_600_000,
        },
      ],
    ],
    ['maintenance', [{ kind: 'silence', deviceId: 'dev-1', untilMs: 1_000_000 + 4 * 3_600_000 }]],
    ['useful', [{ kind: 'priority_weight', type: 'spike', value: 1.25 }]],
    ['not_useful', [{ kind: 'priority_weight', type: 'spike', deviceId: 'dev-1', value: 0.8 }]],
    ['acknowledge', []],
    ['resolve', []],
  ] as const)('%s → %j', (verdict, expected) => {
    const out = adaptationsForFeedback(fb(verdict, 'why'), alert, [], DEFAULT_FEEDBACK_POLICY, newId);
    expect(out).toHaveLength(expected.length);
    out.forEach((a, i) => {
      expect(a).toMatchObject({ ...expected[i], createdBy: 'alice', alertId: 'a-1', tsMs: 5 });
      expect(a.reason).toMatch(new RegExp(`^${verdict} on alert a-1: .*\\(why\\)$`));
    });
  });

  it('caps the summed threshold raise of a series and ignores reverted or expired ones', () => {
    const prior = (value: number, extra: Partial<Adaptation> = {}): Adaptation => ({
      id: `p${value}`,
      kind: 'threshold',
      deviceId: 'dev-1',
      metric: 'temperature',
      value,
      createdBy: 'x',
      reason: 'r',
      tsMs: 0,
      ...extra,
    });
    const raise = (active: Adaptation[]) =>
      adaptationsForFeedback(
        fb('false_positive'),
        alert,
        active,
        resolveFeedbackPolicy({ falsePositive: 'threshold' }),
        newId,
      );
    expect(raise([prior(0.35)])[0].value).toBeCloseTo(0.05, 9);
    expect(raise([prior(0.4)])).toEqual([]);
    expect(raise([prior(0.4, { revertedMs: 1 })])[0].value).toBeCloseTo(0.1, 9);
    expect(raise([prior(0.4, { untilMs: 10 })])[0].value).toBeCloseTo(0.1, 9);
  });

  it('stops priority weights at the bounds', () => {
    const w = (value: number): Adaptation => ({
      id: `w${value}`,
      kind: 'priority_weight',
      type: 'spike',
      value,
      createdBy: 'x',
      reason: 'r',
      tsMs: 0,
    });
    expect(
      adaptationsForFeedback(fb('useful'), alert, [w(2), w(1.7)], DEFAULT_FEEDBACK_POLICY, newId),
    ).toEqual([]);
    expect(
      adaptationsForFeedback(fb('useful'), alert, [w(2), w(1.5)], DEFAULT_FEEDBACK_POLICY, newId),
    ).toHaveLength(1);
  });

  it.each([
    [{ thresholdStep: 0 }, /thresholdStep/],
    [{ falsePositive: 'ignore' as never }, /falsePositive/],
    [{ usefulWeight: 0.5 }, /usefulWeight/],
    [{ suppressMs: -1 }, /suppressMs/],
  ])('refuses policy %j', (p, re) => expect(() => resolveFeedbackPolicy(p)).toThrow(re));

  it('produces adaptations that lucid-detect and lucid-route accept, and a raised cut-off', () => {
    const fleet = new FleetRegistry({});
    const detector = new StreamingDetector(resolveDetectConfig({}), fleet);
    const router = new AlertRouter(resolveRouteOptions({}), fleet, () => 0);
    const before = detector.cutoff('dev-1', 'temperature', 1_000_000);
    for (const verdict of ['false_positive', 'expected', 'maintenance', 'useful', 'not_useful'] as const) {
      for (const a of adaptationsForFeedback(fb(verdict), alert, [], DEFAULT_FEEDBACK_POLICY, newId)) {
        expect(() => detector.applyAdaptation(a)).not.toThrow();
        expect(() => router.applyAdaptation(a)).not.toThrow();
      }
    }
    expect(detector.cutoff('dev-1', 'temperature', 1_000_000)).toBeCloseTo(before + 0.1, 9);
    expect(router.adaptations().length).toBeGreaterThanOrEqual(4);
  });
});
