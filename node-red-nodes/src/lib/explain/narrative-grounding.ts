import type { NarrativeEvidence } from './narrative-evidence';

/** Longest narrative accepted, characters (two or three sentences fit in far less). */
export const NARRATIVE_MAX_CHARS = 600;
/** Most sentences accepted (the prompt asks for two or three; one more is tolerated). */
export const NARRATIVE_MAX_SENTENCES = 4;

/**
 * Words and phrases that name a probable cause, beside the playbooks' own cause labels: a
 * narrative may use one only when the evidence uses it too. Lower case, whole words.
 */
export const CAUSE_TERMS: readonly string[] = [
  'sensor fault',
  'faulty sensor',
  'faulty',
  'malfunction',
  'malfunctioning',
  'sensor failure',
  'failed sensor',
  'defective sensor',
  'broken sensor',
  'calibration',
  'miscalibrated',
  'power supply',
  'power failure',
  'power outage',
  'battery',
  'network',
  'wifi',
  'wi-fi',
  'connectivity',
  'gateway',
  'weather',
  'ambient',
  'sunlight',
  'environmental',
  'bearing',
  'wear',
  'leak',
  'leakage',
  'cavitation',
  'blockage',
  'clog',
  'clogged',
  'valve',
  'filter',
  'refrigerant',
  'compressor',
  'fan',
  'overload',
  'short circuit',
  'misalignment',
  'imbalance',
  'corrosion',
  'door',
  'fire',
  'tampering',
];

/** Names whose mention a narrative must ground in its evidence. */
export interface GroundingVocabulary {
  /** Every device id Lucid knows (the fleet's): one the evidence does not name is invented. */
  deviceIds: Iterable<string>;
  /** Every metric name Lucid knows (the fleet's and the reading's). */
  metrics: Iterable<string>;
  /** Cause labels of the playbooks in use; {@link CAUSE_TERMS} are always checked too. */
  causes: Iterable<string>;
  /** Unit symbols of the fleet's metrics (`V`, `mm/s`), recognised after a number beside the common ones. */
  units?: Iterable<string>;
}

/** Which rule a narrative broke. */
export type GroundingRule = 'length' | 'number' | 'unit' | 'device' | 'metric' | 'cause';

/** The grounding check's verdict: accepted, or the first rule broken and what broke it. */
export type GroundingResult = { ok: true } | { ok: false; rule: GroundingRule; detail: string };

/** Unit spellings a model may use → the one unit they mean. */
const UNIT_ALIASES: Record<string, string> = {
  '%': '%',
  '%rh': '%',
  pct: '%',
  percent: '%',
  'per cent': '%',
  'percentage points': '%',
  'percentage point': '%',
  pp: '%',
  ms: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  min: 'min',
  mins: 'min',
  minute: 'min',
  minutes: 'min',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  '×': '×',
  x: '×',
  times: '×',
  '°c': '°c',
  'degrees celsius': '°c',
  'degrees c': '°c',
  '°f': '°f',
  'degrees fahrenheit': '°f',
  'degrees f': '°f',
};

/** Number words a model may write instead of digits ("one" is left out: it is mostly a pronoun). */
const NUMBER_WORDS: Record<string, number> = {
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

/** A token with a letter first and a digit inside: a device id or a coded name (`env-06`, `CO2`, `PM2.5`). */
const ID_LIKE = /(?<![\w.-])[A-Za-z][A-Za-z0-9_.-]*\d[A-Za-z0-9_-]*/g;
const NUMBER = /(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?/g;

interface Quantity {
  value: number;
  decimals: number;
  /** Canonical unit (see UNIT_ALIASES, else the unit symbol lower-cased), when one follows. */
  unit?: string;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whole-word, case-insensitive: true when `phrase` occurs in `text`. */
function mentions(text: string, phrase: string): boolean {
  if (phrase === '') return false;
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(phrase)}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}

function unitPattern(units: readonly string[]): RegExp {
  const all = [...new Set([...Object.keys(UNIT_ALIASES), ...units.map((u) => u.toLowerCase())])]
    .filter(Boolean)
    .sort((a, b) => b.length - a.length)
    .map(escapeRe);
  return new RegExp(`^\\s?(${all.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

function quantities(text: string, units: RegExp): Quantity[] {
  const plain = text
    .replace(ID_LIKE, ' ')
    .replace(/\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b/gi, (w) =>
      String(NUMBER_WORDS[w.toLowerCase()]),
    );
  const out: Quantity[] = [];
  for (const m of plain.matchAll(NUMBER)) {
    const value = Number(`${m[1].replace(/,/g, '')}${m[2] ? `.${m[2]}` : ''}`);
    const after = plain.slice((m.index ?? 0) + m[0].length);
    const u = units.exec(after)?.[1]?.toLowerCase();
    out.push({
      value,
      decimals: m[2]?.length ?? 0,
      unit: u === undefined ? undefined : (UNIT_ALIASES[u] ?? u),
    });
  }
  return out;
}

/**
 * Checks that a model's narrative says nothing the evidence does not: every number, device id,
 * metric and cause it mentions must be in the evidence lines the model was given.
 *
 * Rules, in order (the first broken one is reported):
 * - `length`: 1..{@link NARRATIVE_MAX_CHARS} characters, at most {@link NARRATIVE_MAX_SENTENCES} sentences.
 * - `device`: a token with a letter first and a digit inside (`env-07`, `pump_3`, `CO2`) must
 *   occur as a token in the evidence; a fleet device id the evidence does not name must not occur.
 * - `metric`: a known metric name (underscores and hyphens may be written as spaces) must not
 *   occur unless the evidence lines name it too.
 * - `cause`: a playbook cause label or a {@link CAUSE_TERMS} phrase must not occur unless the
 *   evidence lines contain it too.
 * - `number` / `unit`: every number (digits, or the words two..twelve) must be a rounding of a
 *   number in the evidence: |narrative − evidence| ≤ half a unit of the narrative's last decimal
 *   (`18` and `18.2` stand for 18.24; `18.3` does not). Signs are ignored (a model writes "fell
 *   3 °C" for a change of −3 °C). When a unit follows the number it must be the unit that follows
 *   the matching evidence number; spellings of one unit are equal (`%`, `percent`, `percentage
 *   points`; `min`, `minutes`; `×`, `times`; `°C`, `degrees Celsius`). No unit conversion: 64 °F
 *   for 18 °C is rejected.
 *
 * @param text - the narrative (trimmed by the caller or not).
 * @param evidence - what the model was given ({@link narrativeEvidence}).
 * @param vocabulary - the known names whose mention must be grounded.
 * @returns `{ok: true}` or the first rule broken with the offending text.
 * @example checkNarrative('Temperature rose 18 °C in 5 min.', evidence, vocabulary) // {ok: true} when the evidence says so
 */
export function checkNarrative(
  text: string,
  evidence: NarrativeEvidence,
  vocabulary: GroundingVocabulary,
): GroundingResult {
  const narrative = text.trim();
  if (narrative.length === 0 || narrative.length > NARRATIVE_MAX_CHARS)
    return { ok: false, rule: 'length', detail: `${narrative.length} characters` };
  const sentences = narrative.split(/[.!?](?:\s+|$)/).filter((s) => s.trim() !== '').length;
  if (sentences > NARRATIVE_MAX_SENTENCES)
    return { ok: false, rule: 'length', detail: `${sentences} sentences` };

  const source = evidence.lines.join('\n');
  const sourceTokens = new Set([...source.matchAll(ID_LIKE)].map((m) => m[0].toLowerCase()));
  for (const id of evidence.deviceIds) sourceTokens.add(id.toLowerCase());
  for (const m of narrative.matchAll(ID_LIKE)) {
    if (!sourceTokens.has(m[0].toLowerCase()))
      return { ok: false, rule: 'device', detail: `${m[0]} is not in the evidence` };
  }
  const named = new Set(evidence.deviceIds);
  for (const id of vocabulary.deviceIds) {
    if (!named.has(id) && mentions(narrative, id))
      return { ok: false, rule: 'device', detail: `${id} is not in the evidence` };
  }

  for (const metric of new Set([...vocabulary.metrics, ...evidence.readingMetrics])) {
    const spellings = [...new Set([metric, metric.replace(/[_-]+/g, ' ')])];
    if (spellings.some((s) => mentions(narrative, s)) && !spellings.some((s) => mentions(source, s)))
      return { ok: false, rule: 'metric', detail: `${metric} is not in the evidence` };
  }

  for (const term of new Set([...CAUSE_TERMS, ...[...vocabulary.causes].map((c) => c.toLowerCase())])) {
    if (mentions(narrative, term) && !mentions(source, term))
      return { ok: false, rule: 'cause', detail: `"${term}" is not in the evidence` };
  }

  const units = unitPattern([...evidence.units, ...(vocabulary.units ?? [])]);
  const known = quantities(source, units);
  for (const q of quantities(narrative, units)) {
    const tolerance = 0.5 * 10 ** -q.decimals + 1e-9 * Math.abs(q.value);
    const close = known.filter((k) => Math.abs(q.value - k.value) <= tolerance);
    if (close.length === 0) return { ok: false, rule: 'number', detail: `${q.value} is not in the evidence` };
    if (q.unit !== undefined && !close.some((k) => k.unit === q.unit))
      return {
        ok: false,
        rule: 'unit',
        detail: `${q.value} ${q.unit} is not in the evidence with that unit`,
      };
  }
  return { ok: true };
}
