import { encodeParams, requestUrl } from '../api/HttpTransport';
import { QueryType } from '../types';
import { alertsParams, incidentsParams, needsClientFilter, seriesParams, statsParams } from './buildParams';
import { resolveQuery } from './resolveQuery';

const identity = (v: string) => v;
const range = { fromMs: 1000.4, toMs: 5000.6 };

describe('store request parameters', () => {
  it('builds GET alerts params with the range rounded outwards and single filters passed on', () => {
    const q = resolveQuery(
      {
        refId: 'A',
        severity: ['critical'],
        status: ['open', 'acknowledged'],
        site: 'north',
        device: 'pump-7',
        incident: 'inc-1',
        metric: 'temperature',
        limit: 50,
      },
      identity
    );
    expect(alertsParams(q, range)).toEqual({
      from: 1000,
      to: 5001,
      severity: ['critical'],
      status: ['open', 'acknowledged'],
      site: 'north',
      device: 'pump-7',
      incident: 'inc-1',
      metric: 'temperature',
      sort: 'priority',
      order: 'desc',
      limit: 50,
    });
    expect(needsClientFilter(q)).toBe(false);
  });

  it('asks for the maximum page and drops the store filter when a filter has several values or text is set', () => {
    const interpolate = (v: string) => v.replace('$sites', 'north,south');
    const q = resolveQuery({ refId: 'A', site: '$sites', limit: 20 }, interpolate);
    const p = alertsParams(q, range);
    expect(p.site).toBeUndefined();
    expect(p.limit).toBe(1000);
    expect(needsClientFilter(q)).toBe(true);
    expect(alertsParams(resolveQuery({ refId: 'A', text: 'overheat', limit: 20 }, identity), range).limit).toBe(1000);
  });

  it('builds incidents, series and stats params', () => {
    const q = resolveQuery(
      {
        refId: 'I',
        queryType: QueryType.Incidents,
        incidentStatus: ['open'],
        severity: ['high'],
        site: 'north',
        limit: 10,
      },
      identity
    );
    expect(incidentsParams(q, range)).toEqual({
      from: 1000,
      to: 5001,
      status: ['open'],
      severity: ['high'],
      site: 'north',
      limit: 10,
    });
    const s = resolveQuery(
      { refId: 'S', queryType: QueryType.Series, device: 'pump-7', metric: 'temperature', maxPoints: 500 },
      identity
    );
    expect(seriesParams(s, range)).toEqual({
      device: 'pump-7',
      metric: 'temperature',
      from: 1000,
      to: 5001,
      maxPoints: 500,
    });
    expect(seriesParams(s, range, 320).maxPoints).toBe(320);
    expect(seriesParams(s, range, 2).maxPoints).toBe(500);
    expect(
      statsParams(resolveQuery({ refId: 'T', queryType: QueryType.Stats, bucketMs: 300_000 }, identity), range)
    ).toEqual({ from: 1000, to: 5001, bucketMs: 300_000 });
  });

  it('encodes query strings: comma lists, escaping, unset and empty values left out', () => {
    expect(
      encodeParams({
        severity: ['critical', 'high'],
        site: 'north & south',
        device: undefined,
        metric: '',
        status: [],
        limit: 10,
      })
    ).toBe('severity=critical%2Chigh&site=north%20%26%20south&limit=10');
    expect(requestUrl('alerts', {})).toBe('alerts');
    expect(requestUrl('alerts', { limit: 1 })).toBe('alerts?limit=1');
  });
});
