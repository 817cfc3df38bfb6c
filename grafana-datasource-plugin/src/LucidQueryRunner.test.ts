import { type DataFrame, type DataQueryResponse, LoadingState } from '@grafana/data';
import type { AlertEvent } from 'node-red-contrib-lucid';
import { firstValueFrom, toArray, take } from 'rxjs';
import type { HttpRequest } from './api/HttpTransport';
import { LucidApi } from './api/LucidApi';
import { LucidApiError } from './api/LucidApiError';
import { LucidQueryRunner, type StreamOpener } from './LucidQueryRunner';
import { fakeTransport } from './testing/fakeTransport';
import { alertFixture, incidentFixture, pageOf, seriesFixture, statsFixture, T0 } from './testing/fixtures';
import { QueryType, type LucidQuery } from './types';

const range = { fromMs: T0 - 3_600_000, toMs: T0 + 3_600_000 };
const identity = (v: string) => v;
const a1 = alertFixture();
const a2 = alertFixture({
  id: 'al-2',
  site: 'south',
  priority: 40,
  explanation: { ...alertFixture().explanation, title: 'Fan failure', summary: 'Fan stopped' },
});

function store(extra: Record<string, (req: HttpRequest) => unknown> = {}) {
  return fakeTransport({
    'GET alerts/': (req) => ({
      alert: a1,
      events: [],
      feedback: req.path.startsWith('alerts/al-1') ? [{ verdict: 'useful' }] : [],
      evidence: { fromMs: 0, toMs: 0, series: [] },
      signatureValid: true,
      keyId: 'k',
    }),
    'GET alerts': (req) => pageOf([a1, a2].filter((a) => !req.params?.site || a.site === req.params.site)),
    'GET incidents': () => pageOf([incidentFixture()]),
    'GET series': () => seriesFixture(),
    'GET stats': () => statsFixture(),
    ...extra,
  });
}

const run = (runner: LucidQueryRunner, targets: LucidQuery[]) =>
  firstValueFrom(runner.query({ targets, range, interpolate: identity }));
const names = (frame: DataFrame) => frame.fields.map((f) => f.name);

describe('LucidQueryRunner', () => {
  it('runs every query type and keeps refIds', async () => {
    const transport = store();
    const res = await run(new LucidQueryRunner(new LucidApi(transport)), [
      { refId: 'A', queryType: QueryType.Alerts },
      { refId: 'S', queryType: QueryType.Series, device: 'pump-7', metric: 'temperature' },
      { refId: 'I', queryType: QueryType.Incidents },
      { refId: 'T', queryType: QueryType.Stats },
      { refId: 'N', queryType: QueryType.Annotations },
      { refId: 'H', queryType: QueryType.Stats, hide: true },
    ]);
    expect(res.errors).toBeUndefined();
    expect(res.state).toBe(LoadingState.Done);
    expect(res.data.map((f: DataFrame) => [f.refId, f.name])).toEqual([
      ['A', 'alerts'],
      ['S', 'pump-7 temperature'],
      ['I', 'incidents'],
      ['T', 'stats'],
      ['N', 'lucid alerts'],
    ]);
    const series = res.data[1] as DataFrame;
    expect(series.fields.find((f) => f.name === 'value')?.config.unit).toBe('celsius');
    const unitLookup = transport.calls.find((c) => c.path === 'alerts' && c.params?.device === 'pump-7');
    expect(unitLookup?.params).toMatchObject({ metric: 'temperature', limit: 1 });
  });

  it('fetches feedback counts per alert row, or not when switched off', async () => {
    const transport = store();
    const res = await run(new LucidQueryRunner(new LucidApi(transport)), [{ refId: 'A' }]);
    const frame = res.data[0] as DataFrame;
    expect(frame.fields.find((f) => f.name === 'feedbackTotal')?.values).toEqual([1, 0]);
    expect(transport.calls.filter((c) => c.path.startsWith('alerts/')).map((c) => c.path)).toEqual([
      'alerts/al-1',
      'alerts/al-2',
    ]);

    const quiet = store();
    await run(new LucidQueryRunner(new LucidApi(quiet)), [{ refId: 'A', withFeedback: false }]);
    expect(quiet.calls.map((c) => c.path)).toEqual(['alerts']);
  });

  it('surfaces store and validation errors as errors of their query only', async () => {
    const transport = store({
      'GET incidents': () => {
        throw new LucidApiError(401, 'unauthorized', 'unknown bearer token', 'incidents');
      },
    });
    const res = await run(new LucidQueryRunner(new LucidApi(transport)), [
      { refId: 'A', withFeedback: false },
      { refId: 'I', queryType: QueryType.Incidents },
      { refId: 'B', limit: 5000 },
    ]);
    expect(res.data.map((f: DataFrame) => f.refId)).toEqual(['A']);
    expect(res.state).toBe(LoadingState.Error);
    expect(res.errors).toEqual([
      { refId: 'I', status: 401, message: 'Lucid store: unknown bearer token (HTTP 401, unauthorized)' },
      { refId: 'B', message: 'limit: expected an integer in 1..1000, got 5000' },
    ]);
  });

  it('filters several sites and free text client-side', async () => {
    const transport = store();
    const runner = new LucidQueryRunner(new LucidApi(transport));
    const multi = await firstValueFrom(
      runner.query({
        targets: [{ refId: 'A', site: '$sites', withFeedback: false }],
        range,
        interpolate: (v) => v.replace('$sites', 'south,west'),
      })
    );
    const frame = multi.data[0] as DataFrame;
    expect(frame.fields.find((f) => f.name === 'id')?.values).toEqual(['al-2']);
    expect(transport.calls[0].params).toMatchObject({ site: undefined, limit: 1000 });
    const text = await run(runner, [{ refId: 'A', text: 'FAN', withFeedback: false }]);
    expect((text.data[0] as DataFrame).fields.find((f) => f.name === 'id')?.values).toEqual(['al-2']);
  });

  it('gives empty frames with every field when the store has nothing', async () => {
    const transport = store({ 'GET alerts': () => pageOf([]), 'GET incidents': () => pageOf([]) });
    const res = await run(new LucidQueryRunner(new LucidApi(transport)), [
      { refId: 'A' },
      { refId: 'I', queryType: QueryType.Incidents },
    ]);
    expect(res.data.map((f: DataFrame) => f.length)).toEqual([0, 0]);
    expect(names(res.data[0])).toContain('priority');
  });

  describe('live Alerts queries', () => {
    let emit: ((e: AlertEvent) => void) | undefined;
    let fail: ((err: Error) => void) | undefined;
    let closed = 0;
    let params: unknown;
    const opener: StreamOpener = (p, onEvent, onError) => {
      params = p;
      emit = onEvent;
      fail = onError;
      return () => {
        closed += 1;
      };
    };

    beforeEach(() => {
      emit = undefined;
      closed = 0;
    });

    it('streams updated tables while the range ends at now, and closes the stream on unsubscribe', async () => {
      const runner = new LucidQueryRunner(new LucidApi(store()), opener);
      const responses: DataQueryResponse[] = [];
      const sub = runner
        .query({
          targets: [
            {
              refId: 'A',
              live: true,
              withFeedback: false,
              status: ['open'],
              site: 'north',
              severity: ['high', 'critical'],
            },
          ],
          range,
          interpolate: identity,
          rangeEndsNow: true,
        })
        .subscribe((r) => responses.push(r));
      await new Promise((r) => setTimeout(r, 0));
      expect(responses[0].state).toBe(LoadingState.Streaming);
      expect(params).toEqual({ severity: ['high', 'critical'], site: 'north', device: undefined });
      const c = alertFixture({ id: 'al-3', priority: 99, severity: 'critical' });
      emit!({ kind: 'opened', alert: c, tsMs: 1, by: 'lucid-route' });
      emit!({ kind: 'resolved', alert: { ...a1, status: 'resolved' }, tsMs: 2, by: 'op' });
      emit!({ kind: 'opened', alert: alertFixture({ id: 'elsewhere', site: 'south' }), tsMs: 3, by: 'lucid-route' });
      expect(responses).toHaveLength(3);
      expect(responses[1].key).toBe('A');
      expect((responses[1].data[0] as DataFrame).fields.find((f) => f.name === 'id')?.values).toEqual(['al-3', 'al-1']);
      expect((responses[2].data[0] as DataFrame).fields.find((f) => f.name === 'id')?.values).toEqual(['al-3']);
      expect((responses[1].data[0] as DataFrame).fields.find((f) => f.name === 'feedback')?.values[0]).toMatchObject({
        useful: 0,
      });
      fail!(new Error('stream: HTTP 502'));
      expect(responses[3].errors).toEqual([
        { refId: 'A', message: 'Live updates interrupted, reconnecting: stream: HTTP 502' },
      ]);
      expect((responses[3].data[0] as DataFrame).fields.find((f) => f.name === 'id')?.values).toEqual(['al-3']);
      sub.unsubscribe();
      expect(closed).toBe(1);
    });

    it('completes without streaming when the range does not end at now', async () => {
      const runner = new LucidQueryRunner(new LucidApi(store()), opener);
      const all = await firstValueFrom(
        runner
          .query({
            targets: [{ refId: 'A', live: true, withFeedback: false }],
            range,
            interpolate: identity,
            rangeEndsNow: false,
          })
          .pipe(take(5), toArray())
      );
      expect(all).toHaveLength(1);
      expect(all[0].state).toBe(LoadingState.Done);
      expect(emit).toBeUndefined();
    });
  });

  it('posts feedback, acknowledge and resolve and returns the updated alert', async () => {
    const transport = store({
      'POST alerts/al-1/feedback': () => ({ feedback: { id: 'f1' }, alert: { ...a1, status: 'acknowledged' } }),
      'POST alerts/al-1/ack': () => ({ alert: { ...a1, status: 'acknowledged' }, event: {} }),
      'POST alerts/al-1/resolve': () => ({ alert: { ...a1, status: 'resolved' }, event: {} }),
    });
    const runner = new LucidQueryRunner(new LucidApi(transport));
    expect((await runner.postFeedback('al-1', 'acknowledge', { comment: 'on it', user: 'ana' })).status).toBe(
      'acknowledged'
    );
    expect((await runner.acknowledge('al-1')).status).toBe('acknowledged');
    expect((await runner.resolve('al-1', { user: '' })).status).toBe('resolved');
    expect(transport.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', 'alerts/al-1/feedback', { verdict: 'acknowledge', comment: 'on it', user: 'ana' }],
      ['POST', 'alerts/al-1/ack', {}],
      ['POST', 'alerts/al-1/resolve', {}],
    ]);
    await expect(runner.postFeedback('nope', 'useful')).rejects.toMatchObject({ status: 404 });
  });
});
