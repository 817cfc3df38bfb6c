import { InputError } from '../../../src/lib/contracts/errors';
import { narrativeSubject, type Narrative, type NarrativeUpdate } from '../../../src/lib/contracts/types';
import { AlertRouter } from '../../../src/lib/route/alert-router';
import { resolveRouteOptions } from '../../../src/lib/route/route-options';
import { det, FLEET, MIN, T0 } from './fixtures';

const router = () =>
  new AlertRouter(
    resolveRouteOptions({ channels: { slack: { enabled: false }, webhook: { enabled: false } } }),
    FLEET,
    () => T0,
  );

/** A narrative of the explanation `det` gives (top cause "Cooling fan failure"). */
function narrative(over: Partial<Narrative> = {}): Narrative {
  const x = det({ tsMs: T0 }).explanation!;
  return {
    text: 'Temperature rose 18.2 °C in 5 min; a cooling fan failure is the likely cause.',
    generated: true,
    model: 'llama3.2:3b',
    subject: narrativeSubject(x),
    tsMs: T0,
    createdMs: 1,
    ...over,
  };
}

describe('AlertRouter: narratives', () => {
  it("attaches a late narrative to the device's open alert and emits updated", () => {
    const rt = router();
    rt.route([det({ tsMs: T0 })]);
    const update: NarrativeUpdate = { deviceId: 'dev-a1', narrative: narrative() };
    const event = rt.attachNarrative(update);
    expect(event).toMatchObject({ kind: 'updated', by: 'lucid-route', tsMs: T0 });
    expect(event?.alert.explanation.narrative).toEqual(update.narrative);
    expect(rt.openAlerts()[0].explanation.narrative).toEqual(update.narrative);
  });

  it('keeps the narrative while later explanations keep its subject, and drops it when the top cause changes', () => {
    const rt = router();
    rt.route([det({ tsMs: T0 })]);
    rt.attachNarrative({ deviceId: 'dev-a1', narrative: narrative() });
    rt.route([det({ tsMs: T0 + MIN })]);
    expect(rt.openAlerts()[0].explanation.narrative?.model).toBe('llama3.2:3b');
    rt.route([
      det({
        tsMs: T0 + 2 * MIN,
        explanation: { causes: [{ cause: 'Sensor fault', confidence: 0.8, evidence: ['stuck'] }] },
      }),
    ]);
    expect(rt.openAlerts()[0].explanation.narrative).toBeUndefined();
  });

  it('drops a stale narrative: another subject, another device or tenant, no open alert', () => {
    const rt = router();
    expect(rt.attachNarrative({ deviceId: 'dev-a1', narrative: narrative() })).toBeNull();
    rt.route([det({ tsMs: T0 })]);
    expect(
      rt.attachNarrative({ deviceId: 'dev-a1', narrative: narrative({ subject: 'drop|temperature|x' }) }),
    ).toBeNull();
    expect(rt.attachNarrative({ deviceId: 'dev-a2', narrative: narrative() })).toBeNull();
    expect(rt.attachNarrative({ deviceId: 'dev-a1', tenant: 'acme', narrative: narrative() })).toBeNull();
    expect(rt.openAlerts()[0].explanation.narrative).toBeUndefined();
  });

  it.each([
    ['a non-object', 'x', 'narrative: expected an object'],
    ['no deviceId', { narrative: narrative() }, 'narrative.deviceId'],
    ['no text', { deviceId: 'dev-a1', narrative: narrative({ text: '' }) }, 'narrative.narrative.text'],
    [
      'generated not true',
      { deviceId: 'dev-a1', narrative: { ...narrative(), generated: false } },
      'narrative.narrative.generated',
    ],
    ['a bad tsMs', { deviceId: 'dev-a1', narrative: narrative({ tsMs: NaN }) }, 'narrative.narrative.tsMs'],
  ])('rejects %s with invalid_narrative naming the field', (_name, input, field) => {
    const rt = router();
    let error: unknown;
    try {
      rt.attachNarrative(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('invalid_narrative');
    expect((error as InputError).message).toContain(field);
  });

  it("keeps the top cause's evidence lines in the explanation history", () => {
    const rt = router();
    rt.route([
      det({ tsMs: T0 }),
      det({
        tsMs: T0 + MIN,
        explanation: {
          causes: [
            { cause: 'Sensor fault', id: 'sensor_fault', confidence: 0.8, evidence: ['a', 'b', 'c', 'd'] },
          ],
        },
      }),
    ]);
    expect(rt.openAlerts()[0].explanationHistory).toEqual([
      expect.objectContaining({ cause: 'Cooling fan failure', confidence: 0.7, evidence: ['slow rise'] }),
      expect.objectContaining({ cause: 'Sensor fault', causeId: 'sensor_fault', evidence: ['a', 'b', 'c'] }),
    ]);
  });
});
