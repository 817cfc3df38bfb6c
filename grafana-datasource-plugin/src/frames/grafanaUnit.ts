/**
 * Grafana unit ids for the unit symbols Lucid's fleet declares (node-red-nodes ingest
 * `UNIT_TABLE`). Ids from Grafana's value formats (packages/grafana-data/src/valueFormats/categories.ts).
 */
const UNIT_IDS: Readonly<Record<string, string>> = {
  '°C': 'celsius',
  C: 'celsius',
  degC: 'celsius',
  '°F': 'fahrenheit',
  F: 'fahrenheit',
  degF: 'fahrenheit',
  K: 'kelvin',
  V: 'volt',
  mV: 'mvolt',
  kV: 'kvolt',
  A: 'amp',
  mA: 'mamp',
  W: 'watt',
  mW: 'mwatt',
  kW: 'kwatt',
  Pa: 'pressurepa',
  hPa: 'pressurehpa',
  kPa: 'pressurekpa',
  mbar: 'pressurembar',
  bar: 'pressurebar',
  psi: 'pressurepsi',
  'm/s': 'velocityms',
  'm/s²': 'accMS2',
  'm/s2': 'accMS2',
  g: 'accG',
  m: 'lengthm',
  mm: 'lengthmm',
  in: 'lengthin',
  ft: 'lengthft',
  '%': 'percent',
  '%RH': 'humidity',
  fraction: 'percentunit',
  Hz: 'hertz',
  rpm: 'rotrpm',
  s: 's',
  ms: 'ms',
  min: 'm',
  h: 'h',
};

/**
 * The Grafana unit for a Lucid unit symbol: a known id (`°C` → `celsius`), an id given as such
 * (a query override like `celsius` passes through), or `suffix:<symbol>` for anything else.
 * Empty or missing symbols give undefined (no unit).
 * @example grafanaUnit('°C') // 'celsius'
 * @example grafanaUnit('ppm') // 'suffix: ppm'
 */
export function grafanaUnit(symbol: string | undefined): string | undefined {
  const s = symbol?.trim();
  if (!s) {
    return undefined;
  }
  if (UNIT_IDS[s]) {
    return UNIT_IDS[s];
  }
  if (Object.values(UNIT_IDS).includes(s) || /^(suffix|prefix|si|count|currency|time):/.test(s)) {
    return s;
  }
  return `suffix: ${s}`;
}
