import { narrativeEvidence, type NarrativeEvidence } from '../../../src/lib/explain/narrative-evidence';
import { checkNarrative } from '../../../src/lib/explain/narrative-grounding';
import { detection, envMetrics, T0 } from './fixtures';
import { explainedSpike, fleetVocabulary } from './narrative-fixtures';

describe('narrativeEvidence', () => {
  it('holds the explanation and nothing else: no tenant, site or raw metric values outside the text', () => {
    const d = explainedSpike();
    d.reading.tenant = 'acme-secret-tenant';
    const ev = narrativeEvidence(d) as NarrativeEvidence;
    const text = ev.lines.join('\n');
    expect(ev.lines[0]).toBe('Device: dev-007');
    expect(text).toContain(`Summary: ${d.explanation?.summary}`);
    expect(text).toContain('Probable cause: Short-lived heat source near the device (confidence 91%)');
    expect(text).not.toContain('acme-secret-tenant');
    expect(text).not.toContain('plant-1');
    // The reading's humidity value (45) is not part of the explanation's text, so it is not in the prompt.
    expect(text).not.toMatch(/\b45\b/);
    expect(ev.deviceIds).toEqual(['dev-007']);
  });

  it('is undefined for a detection without an explanation', () => {
    expect(narrativeEvidence(detection('dev-007', T0, envMetrics(), {}, false))).toBeUndefined();
  });
});

describe('checkNarrative', () => {
  const evidence = narrativeEvidence(explainedSpike()) as NarrativeEvidence;
  const vocabulary = fleetVocabulary();

  it.each([
    [
      'the evidence in other words',
      'Temperature on dev-007 rose 18.2 °C in 5 min, from 23.1 to 41.3 °C. A short-lived heat source near the device is the most likely cause (91%). Look for a heat source near the device.',
    ],
    [
      'numbers rounded to fewer decimals',
      'Temperature rose about 18 °C in 5 minutes to 41 °C, 6× its usual rate.',
    ],
    [
      'unit spellings',
      'Temperature climbed 18.2 degrees Celsius within 5 minutes; the heat source explanation has 91 percent confidence.',
    ],
    ['a number word that is in the evidence', 'The spike on dev-007 lasted five minutes.'],
    [
      'humidity, which the evidence names',
      'A burst of heat raises the air temperature and lowers the relative humidity.',
    ],
  ])('accepts %s', (_name, text) => {
    expect(checkNarrative(text, evidence, vocabulary)).toEqual({ ok: true });
  });

  it.each([
    ['an invented number', 'Temperature rose 25 °C in 5 min.', 'number'],
    ['a number with more precision than the evidence', 'Temperature rose 18.3 °C in 5 min.', 'number'],
    ['a number word not in the evidence', 'Temperature rose for seven minutes.', 'number'],
    ['an evidence number with another unit', 'Temperature rose 18.2 °C in 5 h.', 'unit'],
    ['a converted unit', 'Temperature reached 41.3 °F.', 'unit'],
    ['a device id not in the evidence', 'The same happened on dev-008 nearby.', 'device'],
    ['an id-like token not in the evidence', 'Sensor T-100 reports 41.3 °C.', 'device'],
    ['a metric not in the evidence', 'Temperature rose to 41.3 °C while the rssi stayed steady.', 'metric'],
    ['a metric written with spaces', 'Temperature rose to 41.3 °C and the supply voltage held.', 'metric'],
    [
      'a cause not in the evidence',
      'A calibration error is the likely cause of the spike to 41.3 °C.',
      'cause',
    ],
    [
      'a metric that is also a cause word',
      'A failing battery is the likely cause of the spike to 41.3 °C.',
      'metric',
    ],
    ['a playbook cause label not in the evidence', 'Outlet (discharge) valve closed or blocked.', 'cause'],
    ['too many sentences', 'Hot. Hot. Hot. Hot. Hot.', 'length'],
    ['an empty answer', '   ', 'length'],
    ['an over-long answer', `Temperature rose. ${'x'.repeat(700)}`, 'length'],
  ])('rejects %s', (_name, text, rule) => {
    const result = checkNarrative(text, evidence, vocabulary);
    expect(result).toMatchObject({ ok: false, rule });
  });

  it('names what broke the rule', () => {
    expect(checkNarrative('Temperature rose 25 °C.', evidence, vocabulary)).toEqual({
      ok: false,
      rule: 'number',
      detail: '25 is not in the evidence',
    });
  });

  it('accepts the devices of a correlated event it was given', () => {
    const withRelated: NarrativeEvidence = {
      ...evidence,
      lines: [...evidence.lines, 'Related devices: dev-008'],
      deviceIds: ['dev-007', 'dev-008'],
    };
    expect(checkNarrative('The same happened on dev-008 nearby.', withRelated, vocabulary)).toEqual({
      ok: true,
    });
  });
});
