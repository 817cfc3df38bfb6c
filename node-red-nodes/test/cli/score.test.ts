import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseScoreArgs, score } from '../../src/cli/score';
import { formatScore, csvCell } from '../../src/lib/bench/score-csv';
import { MAX_ABS_READING_VALUE } from '../../src/lib/contracts/types';

/** A NAB-style series: a slow sine with a spike at row 300. */
function nabCsv(rows: number): string {
  const lines = ['timestamp,value'];
  for (let i = 0; i < rows; i++) {
    const t = new Date(Date.UTC(2014, 0, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
    const v = 50 + 10 * Math.sin(i / 20) + (i % 7) * 0.1 + (i === 300 ? 80 : 0);
    lines.push(`${t},${v.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

function skabCsv(rows: number): string {
  const lines = ['datetime;Current;Pressure;Volume Flow RateRMS;anomaly;changepoint'];
  for (let i = 0; i < rows; i++) {
    const t = new Date(Date.UTC(2020, 2, 9, 10) + i * 1000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(
      `${t};${(1.3 + (i % 5) * 0.01).toFixed(3)};${(0.5 + (i % 3) * 0.02).toFixed(3)};${32 + (i % 2)};${i > 150 ? 1 : 0}.0;0.0`,
    );
  }
  return lines.join('\n') + '\n';
}

function smdText(rows: number, dims: number): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++)
    lines.push(Array.from({ length: dims }, (_, d) => (((i * (d + 3)) % 17) / 17).toFixed(6)).join(','));
  return lines.join('\n') + '\n';
}

describe('lucid score', () => {
  let dir: string;
  const stderr = {
    text: '',
    isTTY: false,
    write(t: string) {
      this.text += t;
      return true;
    },
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lucid-score-'));
    stderr.text = '';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => score(args, { stderr });

  it('writes one row per input row with the documented header (NAB)', async () => {
    writeFileSync(join(dir, 'in.csv'), nabCsv(400));
    const code = await run(['--format', 'nab', '--in', join(dir, 'in.csv'), '--out', join(dir, 'out.csv')]);
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,anomaly_score,value');
    expect(lines).toHaveLength(401);
    expect(lines[1].startsWith('2014-01-01 00:00:00,')).toBe(true);
    for (const line of lines.slice(1)) {
      const [, s, c] = line.split(',');
      expect(Number(s)).toBeGreaterThanOrEqual(0);
      expect(Number(s)).toBeLessThanOrEqual(1);
      expect(Number(c)).toBeGreaterThanOrEqual(0);
    }
    // The injected spike (row 300) stands out.
    const scores = lines.slice(1).map((l) => Number(l.split(',')[1]));
    expect(scores[300]).toBeGreaterThan(0.5);
  });

  it('is deterministic: the same input and config give byte-identical output', async () => {
    writeFileSync(join(dir, 'in.csv'), nabCsv(300));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ sensitivity: 0.7 }));
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    expect(
      await run([
        '--format',
        'nab',
        '--in',
        join(dir, 'in.csv'),
        '--out',
        a,
        '--config',
        join(dir, 'config.json'),
      ]),
    ).toBe(0);
    expect(
      await run([
        '--format',
        'nab',
        '--in',
        join(dir, 'in.csv'),
        '--out',
        b,
        '--config',
        join(dir, 'config.json'),
      ]),
    ).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('SKAB: one contribution column per sensor, the label columns are not metrics', async () => {
    writeFileSync(join(dir, 'in.csv'), skabCsv(200));
    const code = await run([
      '--format',
      'skab',
      '--in',
      join(dir, 'in.csv'),
      '--out',
      join(dir, 'out.csv'),
      '--fit-rows',
      '100',
    ]);
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,anomaly_score,Current,Pressure,Volume Flow RateRMS');
    expect(lines).toHaveLength(201);
  });

  it('SMD (gzip): the timestamp is the 0-based row index, columns d1..dN', async () => {
    writeFileSync(join(dir, 'm.txt.gz'), gzipSync(smdText(120, 3)));
    expect(await run(['--format', 'smd', '--in', join(dir, 'm.txt.gz'), '--out', join(dir, 'out.csv')])).toBe(
      0,
    );
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,anomaly_score,d1,d2,d3');
    expect(lines[1].split(',')[0]).toBe('0');
    expect(lines[120].split(',')[0]).toBe('119');
  });

  it.each([
    [
      'a bad timestamp',
      (csv: string) => csv.replace('2014-01-01 00:10:00', 'yesterday'),
      /:4: .*"yesterday" is not a timestamp/,
    ],
  ])(
    'malformed input (%s): clear error with the line number, exit 1, no output file',
    async (_name, corrupt, message) => {
      writeFileSync(join(dir, 'in.csv'), corrupt(nabCsv(50)));
      const code = await run(['--format', 'nab', '--in', join(dir, 'in.csv'), '--out', join(dir, 'out.csv')]);
      expect(code).toBe(1);
      expect(stderr.text).toMatch(/^lucid score: /);
      expect(stderr.text).toMatch(message);
      expect(existsSync(join(dir, 'out.csv'))).toBe(false);
      expect(readdirSync(dir)).toEqual(['in.csv']);
    },
  );

  it('bad values never stop the run: NaN, ±Infinity, text and empty cells score 0 unlearned, absurd, duplicate and out-of-order rows are scored', async () => {
    const lines = nabCsv(1400).trimEnd().split('\n');
    const bad: Record<number, string> = {
      10: 'NaN',
      20: 'Infinity',
      30: '-Infinity',
      40: 'oops',
      50: '',
      60: '1e400',
      // Beyond the bound ingest accepts (MAX_ABS_READING_VALUE): left out like a non-finite cell.
      70: '1.7976931348623157e308',
    };
    for (const [row, cell] of Object.entries(bad))
      lines[Number(row)] = `${lines[Number(row)].split(',')[0]},${cell}`;
    // Absurd but within the bound: scored.
    lines[1200] = `${lines[1200].split(',')[0]},${MAX_ABS_READING_VALUE}`;
    lines[1201] = `${lines[1201].split(',')[0]},${-MAX_ABS_READING_VALUE}`;
    lines.splice(1300, 0, lines[1300]); // a duplicated row
    lines.splice(1350, 0, lines[1340]); // an out-of-order row
    writeFileSync(join(dir, 'in.csv'), lines.join('\n') + '\n');
    const code = await run(['--format', 'nab', '--in', join(dir, 'in.csv'), '--out', join(dir, 'out.csv')]);
    expect(code).toBe(0);
    expect(stderr.text).toMatch(/6 cell\(s\) were not finite numbers/);
    const out = readFileSync(join(dir, 'out.csv'), 'utf8').trimEnd().split('\n');
    expect(out).toHaveLength(lines.length);
    const scores = out.slice(1).map((l) => Number(l.split(',')[1]));
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    for (const row of Object.keys(bad)) expect(scores[Number(row) - 1]).toBe(0);
    // The absurd value is the most anomalous reading of the file.
    expect(scores[1199]).toBe(1);
    // The run recovers: the last 50 rows (ordinary values again) score low.
    expect(Math.max(...scores.slice(-50))).toBeLessThan(0.5);
  });

  it.each([
    [['--in', 'x', '--out', 'y'], /--format is missing/],
    [['--format', 'xml', '--in', 'x', '--out', 'y'], /--format is "xml"/],
    [['--format', 'nab', '--out', 'y'], /--in FILE is missing/],
    [['--format', 'nab', '--in', 'x', '--out', 'y', '--fit-rows', '4.5'], /--fit-rows is "4.5"/],
    [['--format', 'nab', '--in', 'x', '--out', 'y', '--bogus'], /Unknown option/],
  ])('usage errors exit 2: %p', async (args, message) => {
    expect(await run(args)).toBe(2);
    expect(stderr.text).toMatch(message);
    expect(stderr.text).toMatch(/usage: lucid score/);
  });

  it('a missing input file, a bad config and an unavailable model exit 1 with the reason', async () => {
    expect(await run(['--format', 'nab', '--in', join(dir, 'nope.csv'), '--out', join(dir, 'o.csv')])).toBe(
      1,
    );
    expect(stderr.text).toMatch(/nope\.csv: no such file/);
    writeFileSync(join(dir, 'in.csv'), nabCsv(20));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ sensitivity: 7 }));
    stderr.text = '';
    expect(
      await run([
        '--format',
        'nab',
        '--in',
        join(dir, 'in.csv'),
        '--out',
        join(dir, 'o.csv'),
        '--config',
        join(dir, 'bad.json'),
      ]),
    ).toBe(1);
    expect(stderr.text).toMatch(/sensitivity is 7/);
    stderr.text = '';
    expect(
      await run([
        '--format',
        'nab',
        '--in',
        join(dir, 'in.csv'),
        '--out',
        join(dir, 'o.csv'),
        '--model',
        'no-such-model',
      ]),
    ).toBe(1);
    expect(stderr.text).toMatch(/no-such-model/);
  });

  it('parses options', () => {
    expect(parseScoreArgs(['--format', 'skab', '--in', 'a', '--out', 'b', '--fit-rows', '400'])).toEqual({
      format: 'skab',
      inPath: 'a',
      outPath: 'b',
      configPath: undefined,
      model: undefined,
      fitRows: 400,
    });
  });
});

describe('score CSV formatting', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [0.5, '0.5'],
    [0.1234567, '0.123457'],
    [1e-9, '0'],
    [-0, '0'],
  ])('formatScore(%p) = %p', (v, text) => expect(formatScore(v)).toBe(text));

  it('quotes cells that need it', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('plain')).toBe('plain');
  });
});
