import { AlertSort, DEFAULT_ALERT_LIMIT, DEFAULT_MAX_POINTS, QueryType, SortOrder } from '../types';
import { QueryValidationError, resolveQuery } from './resolveQuery';

/** A templateSrv stand-in: $site is single, $sites multi (csv), $all is "All", $sev multi severities. */
const vars: Record<string, string[]> = {
  site: ['north'],
  sites: ['north', 'south'],
  all: ['$__all'],
  sev: ['critical', 'high'],
  dev: ['pump-7'],
};
const interpolate = (value: string, format?: string) =>
  value.replace(/\$(\w+)/g, (m, name: string) =>
    vars[name] ? (format === 'csv' ? vars[name].join(',') : `{${vars[name].join(',')}}`) : m
  );

describe('resolveQuery', () => {
  it('applies defaults to an empty query', () => {
    const q = resolveQuery({ refId: 'A' }, interpolate);
    expect(q).toMatchObject({
      refId: 'A',
      queryType: QueryType.Alerts,
      sort: AlertSort.Priority,
      order: SortOrder.Desc,
      limit: DEFAULT_ALERT_LIMIT,
      maxPoints: DEFAULT_MAX_POINTS,
      withFeedback: true,
      live: false,
    });
    expect(q.site).toBeUndefined();
    expect(q.severity).toBeUndefined();
  });

  it.each([
    ['literal', 'north', ['north']],
    ['single variable', '$site', ['north']],
    ['multi variable', '$sites', ['north', 'south']],
    ['All', '$all', undefined],
    ['blank', '  ', undefined],
    ['literal with comma is one value', 'a,b', ['a,b']],
  ])('expands a %s site', (_name, site, expected) => {
    expect(resolveQuery({ refId: 'A', site }, interpolate).site).toEqual(expected);
  });

  it('expands multi-value severity variables and lower-cases, without duplicates', () => {
    expect(resolveQuery({ refId: 'A', severity: ['$sev', 'HIGH', 'low'] }, interpolate).severity).toEqual([
      'critical',
      'high',
      'low',
    ]);
  });

  it.each([
    [{ severity: ['urgent'] }, /severity: "urgent" is not one of critical/],
    [{ status: ['closed'] }, /status: "closed"/],
    [{ incidentStatus: ['acknowledged'] }, /incident status: "acknowledged"/],
    [{ limit: 0 }, /limit: expected an integer in 1\.\.1000, got 0/],
    [{ limit: 1001 }, /limit/],
    [{ limit: 2.5 }, /limit/],
    [{ maxPoints: 2 }, /max points/],
    [{ bucketMs: 90_000 }, /multiple of 60000/],
    [{ bucketMs: 1000 }, /bucket \(ms\): expected an integer in 60000/],
    [{ queryType: QueryType.Series, device: 'pump-7' }, /exactly one device and one metric/],
    [{ queryType: QueryType.Series, device: '$sites', metric: 'temperature' }, /exactly one device/],
  ])('rejects %j naming the field', (patch, message) => {
    const run = () => resolveQuery({ refId: 'B', ...patch }, interpolate);
    expect(run).toThrow(QueryValidationError);
    expect(run).toThrow(message);
  });

  it('keeps the refId on validation errors', () => {
    try {
      resolveQuery({ refId: 'Z', limit: -1 }, interpolate);
      throw new Error('expected a throw');
    } catch (err) {
      expect((err as QueryValidationError).refId).toBe('Z');
    }
  });

  it('accepts a series query with one device and metric from variables', () => {
    const q = resolveQuery(
      { refId: 'S', queryType: QueryType.Series, device: '$dev', metric: 'temperature', maxPoints: 200, unit: ' °C ' },
      interpolate
    );
    expect(q).toMatchObject({ device: ['pump-7'], metric: ['temperature'], maxPoints: 200, unit: '°C' });
  });

  it('interpolates the text filter and falls back to Alerts for an unknown type', () => {
    const q = resolveQuery({ refId: 'A', queryType: 'bogus' as QueryType, text: ' over $site ' }, interpolate);
    expect(q.queryType).toBe(QueryType.Alerts);
    expect(q.text).toBe('over {north}');
  });
});
