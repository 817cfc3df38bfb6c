/**
 * The browser-test page: Lucid's alerts panel rendered with its real components inside Grafana's
 * theme, its data coming from lucid-alerts-datasource's real query code (LucidQueryRunner +
 * LucidApi + fetchTransport) through the Grafana-like data proxy served by the same origin.
 *
 * Query string: `theme` light|dark, `ds` the data source uid (`lucid` has an operator token,
 * `lucid-viewer` a viewer token), `width`/`height` of the panel in px, `options` panel options JSON.
 */
import {
  createTheme,
  getDefaultTimeRange,
  LoadingState,
  type PanelData,
  type PanelProps,
} from '@grafana/data';
import { GlobalStyles, PanelChrome, ThemeContext } from '@grafana/ui';
import React, { useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { fetchTransport } from '../../grafana-datasource-plugin/src/api/fetchTransport';
import { LucidApi } from '../../grafana-datasource-plugin/src/api/LucidApi';
import { LucidQueryRunner } from '../../grafana-datasource-plugin/src/LucidQueryRunner';
import { AlertSort, QueryType, SortOrder } from '../../grafana-datasource-plugin/src/types';
import { AlertsPanel } from '../../grafana-panel-plugin/src/components/AlertsPanel';
import { toLucidClient } from '../../grafana-panel-plugin/src/data/lucidClient';
import { LucidClientContext } from '../../grafana-panel-plugin/src/data/lucidClientContext';
import { type AlertsPanelOptions, DEFAULT_OPTIONS } from '../../grafana-panel-plugin/src/types';

const params = new URLSearchParams(window.location.search);
const mode = params.get('theme') === 'light' ? 'light' : 'dark';
const dsUid = params.get('ds') ?? 'lucid';
const width = Number(params.get('width') ?? 900);
const height = Number(params.get('height') ?? 1000);
const options: AlertsPanelOptions = {
  ...DEFAULT_OPTIONS,
  ...(JSON.parse(params.get('options') ?? '{}') as Partial<AlertsPanelOptions>),
};
const fromMs = Number(params.get('from') ?? Date.now() - 7 * 24 * 3_600_000);
const toMs = Number(params.get('to') ?? Date.now() + 3_600_000);

// What Grafana's data source would hold: the runner over its data-proxy route (plugin.json `lucid`).
const transport = fetchTransport(`/api/datasources/proxy/uid/${dsUid}/lucid`, window.fetch.bind(window));
const runner = new LucidQueryRunner(new LucidApi(transport));
const client = toLucidClient(runner);

function App() {
  const theme = useMemo(() => createTheme({ colors: { mode } }), []);
  const [data, setData] = useState<PanelData>({
    series: [],
    state: LoadingState.Loading,
    timeRange: getDefaultTimeRange(),
  });
  useEffect(() => {
    const request = {
      targets: [{ refId: 'A', datasource: { type: 'lucid-alerts-datasource', uid: dsUid } }],
    } as unknown as PanelData['request'];
    const sub = runner
      .query({
        targets: [
          {
            refId: 'A',
            queryType: QueryType.Alerts,
            sort: AlertSort.Priority,
            order: SortOrder.Desc,
            limit: 100,
            withFeedback: true,
          },
        ],
        range: { fromMs, toMs },
        interpolate: (v: string) => v,
      })
      .subscribe((res) => {
        setData({
          series: res.data,
          state: res.state ?? LoadingState.Done,
          errors: res.errors,
          timeRange: getDefaultTimeRange(),
          request,
        });
        document.body.dataset.queryState = String(res.state);
      });
    return () => sub.unsubscribe();
  }, []);
  const panel = (w: number, h: number) => {
    const props = {
      data,
      options,
      width: w,
      height: h,
      timeZone: 'browser',
      id: 1,
      title: 'Explained alerts',
    } as unknown as PanelProps<AlertsPanelOptions>;
    return <AlertsPanel {...props} />;
  };
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div
        style={{
          padding: 16,
          background: theme.colors.background.canvas,
          minHeight: '100vh',
          boxSizing: 'border-box',
        }}
      >
        <div id="panel" style={{ width, height }}>
          <LucidClientContext.Provider value={async () => client}>
            <PanelChrome title="Explained alerts" width={width} height={height} loadingState={data.state}>
              {(w, h) => panel(w, h)}
            </PanelChrome>
          </LucidClientContext.Provider>
        </div>
      </div>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
