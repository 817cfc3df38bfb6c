/**
 * Each equipment playbook end to end: the equipment simulator injects every fault of the device
 * type (ground-truth cause = the playbook rule it is an instance of) into a seeded fleet, the
 * readings go through the stages `lucid start` wires (watchdog → detect → explain → route) with
 * their defaults, and the alert's top cause while the fault is in effect must name the injected
 * fault for at least 90 % of the incidents of each type (issue 14). A control run with the cause
 * labels of the playbook rotated shows the measure fails when the playbook is wrong.
 */
import { incidentCauseOutcomes, type IncidentCauseOutcome } from '../../../src/lib/bench/simulated-causes';
import { runSimulatedPipeline } from '../../../src/lib/bench/simulated-pipeline';
import { shippedPlaybooks } from '../../../src/lib/explain/playbook-library';
import { EQUIPMENT_MODELS } from '../../../src/lib/simulate/equipment-models';
import { EQUIPMENT_TYPES } from '../../../src/lib/simulate/equipment-simulator';

jest.setTimeout(120_000);

/** Warm-up, then every fault once (20–25 min each, 20 min apart), and the 10 min margin after the last. */
const DURATION_MIN = 300;
const SEED = 11;

const rightShare = (outcomes: IncidentCauseOutcome[]) =>
  outcomes.filter((o) => o.expected.includes(o.developed?.causeId ?? '')).length / outcomes.length;

describe('equipment playbooks end to end (seed 11)', () => {
  it.each(EQUIPMENT_TYPES.map((t) => [t]))(
    '%s: every fault raises an alert whose top cause names it (≥ 90 %)',
    (deviceType) => {
      const outcomes = incidentCauseOutcomes(
        runSimulatedPipeline({ equipment: { deviceType, seed: SEED }, durationMin: DURATION_MIN }),
      );
      const faults = EQUIPMENT_MODELS[deviceType].faults.map((f) => f.causeId);
      expect(new Set(outcomes.map((o) => o.type))).toEqual(new Set(faults));
      expect(outcomes.filter((o) => o.alerts === 0).map((o) => o.type)).toEqual([]);
      // Listed so a failure names the faults that were misattributed.
      const wrong = outcomes
        .filter((o) => !o.expected.includes(o.developed?.causeId ?? ''))
        .map((o) => `${o.type} → ${o.developed?.causeId ?? 'no alert'}`);
      expect(rightShare(outcomes) >= 0.9 ? [] : wrong).toEqual([]);
    },
  );

  it('fails when the playbook names the wrong causes (control: labels rotated)', () => {
    const playbook = shippedPlaybooks().chiller;
    const causes = playbook.causes ?? [];
    const rotated = causes.map((c, i) => ({ ...c, id: causes[(i + 1) % causes.length].id }));
    const { id, version, extends: base, metrics, primaryOrder } = playbook;
    const outcomes = incidentCauseOutcomes(
      runSimulatedPipeline({
        equipment: { deviceType: 'chiller', seed: SEED },
        durationMin: DURATION_MIN,
        playbooks: {
          chiller: { id, version, extends: base, metrics, primaryOrder, causes: rotated, actions: {} },
        },
      }),
    );
    expect(rightShare(outcomes)).toBeLessThan(0.5);
  });
});
