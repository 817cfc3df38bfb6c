import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FieldType,
  getDefaultTimeRange,
  LoadingState,
  type PanelData,
  type PanelProps,
  toDataFrame,
} from '@grafana/data';
import { webcrypto } from 'node:crypto';
import React from 'react';
import type { Alert } from 'node-red-contrib-lucid';
import { alertsFrame, evidenceFor, makeAlert, T0 } from '../__fixtures__/alertFixtures';
import { makeSigner } from '../__fixtures__/signing';
import type { LucidPanelClient } from '../data/lucidClient';
import { LucidClientContext } from '../data/lucidClientContext';
import type { Adaptation } from '../data/lucidStoreTypes';
import { TEST_IDS } from '../testIds';
import { type AlertsPanelOptions, DEFAULT_OPTIONS } from '../types';
import { AlertsPanel } from './AlertsPanel';

const mockUser: { orgRole: string; login: string } = { orgRole: 'Editor', login: 'olga' };
jest.mock('@grafana/runtime', () => ({
  config: {
    get bootData() {
      return { user: mockUser };
    },
  },
  getDataSourceSrv: () => ({ get: () => Promise.reject(new Error('not in Grafana')) }),
}));

if (!globalThis.crypto?.subtle) {
  Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true });
}

const store = makeSigner();
const top = store.signAlert(
  makeAlert({ id: 'top', priority: 93, severity: 'critical', count: 7, lastSeenMs: T0 + 600_000, deviceId: 'press-07' })
);
const second = store.signAlert(
  makeAlert({
    id: 'second',
    priority: 48,
    severity: 'medium',
    deviceId: 'pump-3',
    site: 'plant-b',
    explanation: {
      type: 'drift',
      title: 'Pressure drifting on pump-3',
      summary: 'Pressure fell 0.4 bar in 2 h.',
      causes: [],
      actions: [],
      related: [],
    },
  })
);
const tampered = { ...store.signAlert(makeAlert({ id: 'tampered', priority: 30, severity: 'low' })), priority: 31 };
const unsigned = makeAlert({ id: 'unsigned', priority: 10, severity: 'info' });
const ALL: Alert[] = [second, tampered, top, unsigned];

function panelData(series = [alertsFrame(ALL)], state = LoadingState.Done): PanelData {
  return {
    series,
    state,
    timeRange: getDefaultTimeRange(),
    request: {
      targets: [{ refId: 'A', datasource: { type: 'lucid-alerts-datasource', uid: 'lucid' } }],
    } as PanelData['request'],
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function makeClient(overrides: Partial<LucidPanelClient> = {}): jest.Mocked<LucidPanelClient> {
  return {
    act: jest.fn(),
    alertDetail: jest.fn(async (id: string) => evidenceFor(ALL.find((a) => a.id === id)!)),
    publicKeys: jest.fn(async () => [store.info]),
    adaptations: jest.fn(async () => []),
    ...overrides,
  } as jest.Mocked<LucidPanelClient>;
}

function renderPanel(
  client: LucidPanelClient | undefined,
  options: Partial<AlertsPanelOptions> = {},
  data = panelData()
) {
  const props = {
    data,
    options: { ...DEFAULT_OPTIONS, ...options },
    width: 800,
    height: 600,
    timeZone: 'utc',
  } as unknown as PanelProps<AlertsPanelOptions>;
  return render(
    <LucidClientContext.Provider value={async () => client}>
      <AlertsPanel {...props} />
    </LucidClientContext.Provider>
  );
}

const card = (id: string) => screen.getByTestId(TEST_IDS.card(id));

beforeEach(() => {
  mockUser.orgRole = 'Editor';
});

describe('AlertsPanel cards', () => {
  it('ranks by priority and shows what the operator needs on each card', async () => {
    renderPanel(makeClient());
    const cards = await screen.findAllByTestId(/^lucid-alert-card-/);
    expect(cards.map((c) => c.getAttribute('data-testid'))).toEqual(
      ['top', 'second', 'tampered', 'unsigned'].map(TEST_IDS.card)
    );
    const c = within(card('top'));
    expect(c.getByTestId(TEST_IDS.severity)).toHaveTextContent('critical');
    expect(c.getByTestId(TEST_IDS.priority)).toHaveTextContent('P93');
    expect(c.getByTestId(TEST_IDS.title)).toHaveTextContent('Temperature spike on press-07');
    expect(c.getByTestId(TEST_IDS.summary)).toHaveTextContent(
      'Temperature rose 18.2 °C in 5 min, 3.4× its usual rate.'
    );
    expect(card('top')).toHaveTextContent('press-07 · plant-a · line-2 · temperature');
    expect(c.getByTestId(TEST_IDS.time)).toHaveTextContent('2026-03-01 10:00:00');
    expect(c.getByTestId(TEST_IDS.time).querySelector('time')).toHaveAttribute('datetime', new Date(T0).toISOString());
    expect(c.getByTestId(TEST_IDS.repeats)).toHaveTextContent('×7, last seen');
    expect(c.getAllByTestId(TEST_IDS.confidenceBar).map((m) => m.getAttribute('aria-valuenow'))).toEqual(['62', '21']);
    expect(c.getByTestId(TEST_IDS.actions)).toHaveTextContent('Check the cooling fan');
    expect(c.getByTestId(TEST_IDS.related)).toHaveTextContent('press-08');
    expect(within(card('second')).queryByTestId(TEST_IDS.repeats)).toBeNull();
  });

  it('shows cause evidence on expand, with the keyboard', async () => {
    const user = userEvent.setup();
    renderPanel(makeClient());
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    expect(c.queryByTestId(TEST_IDS.causeEvidence)).toBeNull();
    const toggle = c.getAllByTestId(TEST_IDS.causeToggle)[0];
    toggle.focus();
    await user.keyboard('{Enter}');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(c.getByTestId(TEST_IDS.causeEvidence)).toHaveTextContent('fan current dropped to 0.1 A');
    await user.keyboard(' ');
    expect(c.queryByTestId(TEST_IDS.causeEvidence)).toBeNull();
  });

  it('ticks recommended actions as a checklist', async () => {
    const user = userEvent.setup();
    renderPanel(makeClient());
    const actions = within(await screen.findByTestId(TEST_IDS.card('top'))).getByTestId(TEST_IDS.actions);
    expect(actions).toHaveTextContent('(0/2)');
    await user.click(within(actions).getByRole('checkbox', { name: /Check the cooling fan/ }));
    expect(actions).toHaveTextContent('(1/2)');
  });

  it('draws the trend of the evidence window with its band and the crossing in the unit', async () => {
    const client = makeClient();
    renderPanel(client);
    const trend = await within(await screen.findByTestId(TEST_IDS.card('top'))).findByTestId(TEST_IDS.trend);
    expect(trend).toHaveAttribute('data-has-band', 'true');
    expect(within(trend).getByTestId(TEST_IDS.trendBand)).toBeInTheDocument();
    expect(within(trend).getByTestId(TEST_IDS.trendCaption)).toHaveTextContent(
      /^Crossed maximum 80\.0 °C at \d\d:\d\d:\d\d \(81\.5 °C\)$/
    );
    expect(client.alertDetail).toHaveBeenCalledWith('top', expect.any(Number));
  });

  it('says why the trend is missing when the evidence cannot be fetched', async () => {
    renderPanel(makeClient({ alertDetail: jest.fn(() => Promise.reject(new Error('HTTP 404'))) }));
    expect(
      await within(await screen.findByTestId(TEST_IDS.card('top'))).findByTestId(TEST_IDS.trendUnavailable)
    ).toHaveTextContent('HTTP 404');
  });

  it.each([
    ['showTrend off', { showTrend: false }, TEST_IDS.trend],
    ['showActions off', { showActions: false }, TEST_IDS.actions],
    ['compact mode', { compact: true }, TEST_IDS.actions],
  ])('hides details with %s', async (_n, options, hidden) => {
    renderPanel(makeClient(), options);
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    await waitFor(() => expect(c.getByTestId(TEST_IDS.signature)).not.toHaveAttribute('data-state', 'checking'));
    expect(c.queryByTestId(hidden)).toBeNull();
  });

  it('compact cards open on expand', async () => {
    const user = userEvent.setup();
    renderPanel(makeClient(), { compact: true });
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    await user.click(c.getByTestId(TEST_IDS.expand));
    expect(c.getByTestId(TEST_IDS.actions)).toBeInTheDocument();
    expect(c.getByTestId(TEST_IDS.expand)).toHaveAttribute('aria-expanded', 'true');
  });

  it('groups by incident', async () => {
    renderPanel(makeClient(), { groupByIncident: true });
    expect(await screen.findByTestId(TEST_IDS.group('inc-top'))).toHaveTextContent(
      'Incident inc-top · 1 alert · top P93'
    );
  });
});

describe('signature badge', () => {
  it.each([
    ['top', 'verified', 'Signature verified'],
    ['tampered', 'invalid', 'Signature invalid'],
    ['unsigned', 'unverified', 'Unverified'],
  ])('%s is %s', async (id, state, text) => {
    renderPanel(makeClient());
    const badge = within(await screen.findByTestId(TEST_IDS.card(id))).getByTestId(TEST_IDS.signature);
    await waitFor(() => expect(badge).toHaveAttribute('data-state', state));
    expect(badge).toHaveTextContent(text);
  });

  it('is unverified when the store key cannot be fetched', async () => {
    renderPanel(makeClient({ publicKeys: jest.fn(() => Promise.reject(new Error('down'))) }));
    const badge = within(await screen.findByTestId(TEST_IDS.card('top'))).getByTestId(TEST_IDS.signature);
    await waitFor(() => expect(badge).toHaveAttribute('data-state', 'unverified'));
  });
});

describe('feedback', () => {
  it('updates status and counts at once, then keeps the store answer', async () => {
    const user = userEvent.setup();
    const answer = deferred<Alert>();
    const client = makeClient({ act: jest.fn(() => answer.promise) });
    renderPanel(client);
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    await user.click(c.getByTestId(TEST_IDS.feedback('acknowledge')));
    expect(client.act).toHaveBeenCalledWith('top', 'acknowledge', { user: 'olga' });
    expect(c.getByTestId(TEST_IDS.status)).toHaveTextContent('acknowledged…');
    expect(c.getByTestId(TEST_IDS.feedbackCounts)).toHaveTextContent('Acknowledge 1');
    expect(c.getByTestId(TEST_IDS.feedback('useful'))).toBeDisabled();
    await act(async () => answer.resolve(store.signAlert({ ...top, status: 'acknowledged' })));
    expect(c.getByTestId(TEST_IDS.status)).toHaveTextContent(/^acknowledged$/);
    expect(c.getByTestId(TEST_IDS.feedbackCounts)).toHaveTextContent('Acknowledge 1');
    expect(c.getByTestId(TEST_IDS.feedback('acknowledge'))).toBeDisabled();
    expect(c.getByTestId(TEST_IDS.feedback('useful'))).toBeEnabled();
    await waitFor(() => expect(c.getByTestId(TEST_IDS.signature)).toHaveAttribute('data-state', 'verified'));
  });

  it('sends the optional comment with the next action', async () => {
    const user = userEvent.setup();
    const client = makeClient({ act: jest.fn(async () => top) });
    renderPanel(client);
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    await user.click(c.getByRole('button', { name: /comment/i }));
    await user.type(c.getByTestId(TEST_IDS.comment), 'fan replaced last week');
    await user.click(c.getByTestId(TEST_IDS.feedback('not_useful')));
    expect(client.act).toHaveBeenCalledWith('top', 'not_useful', { comment: 'fan replaced last week', user: 'olga' });
  });

  it('rolls back and shows the refusal of a viewer token (403), then disables actions', async () => {
    const user = userEvent.setup();
    const answer = deferred<Alert>();
    renderPanel(makeClient({ act: jest.fn(() => answer.promise) }));
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    await user.click(c.getByTestId(TEST_IDS.feedback('resolve')));
    expect(c.getByTestId(TEST_IDS.status)).toHaveTextContent('resolved…');
    await act(async () =>
      answer.reject(
        Object.assign(new Error('forbidden'), {
          status: 403,
          code: 'forbidden',
          detail: 'token "viewer" has role viewer; operator required',
        })
      )
    );
    expect(c.getByTestId(TEST_IDS.status)).toHaveTextContent(/^open$/);
    expect(c.getByTestId(TEST_IDS.feedbackCounts)).toHaveTextContent(/^$/);
    expect(c.getByTestId(TEST_IDS.actionError)).toHaveTextContent(
      'HTTP 403: token "viewer" has role viewer; operator required'
    );
    expect(screen.getAllByTestId(TEST_IDS.readOnlyNotice)[0]).toHaveTextContent('refused');
    // disabled with the reason as tooltip: Grafana's Button keeps it focusable (aria-disabled) and ignores clicks
    expect(c.getByTestId(TEST_IDS.feedback('useful'))).toHaveAttribute('aria-disabled', 'true');
    expect(within(card('second')).getByTestId(TEST_IDS.feedback('useful'))).toHaveAttribute('aria-disabled', 'true');
  });

  it('rolls back a failure other than 403 without disabling the panel', async () => {
    const user = userEvent.setup();
    renderPanel(
      makeClient({
        act: jest.fn(() =>
          Promise.reject(Object.assign(new Error('x'), { status: 409, detail: 'alert "top" is resolved' }))
        ),
      })
    );
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    await user.click(c.getByTestId(TEST_IDS.feedback('acknowledge')));
    expect(await c.findByTestId(TEST_IDS.actionError)).toHaveTextContent('HTTP 409');
    expect(c.getByTestId(TEST_IDS.status)).toHaveTextContent(/^open$/);
    expect(c.getByTestId(TEST_IDS.feedback('useful'))).toBeEnabled();
    expect(screen.queryByTestId(TEST_IDS.readOnlyNotice)).toBeNull();
  });

  it('shows the adaptation made from a false positive', async () => {
    const user = userEvent.setup();
    const adaptation: Adaptation = {
      id: 'ad1',
      kind: 'threshold',
      deviceId: 'press-07',
      metric: 'temperature',
      value: 0.1,
      createdBy: 'lucid-feedback',
      reason: 'false positive',
      alertId: 'top',
      tsMs: T0,
    };
    const client = makeClient({
      act: jest.fn(async () => top),
      adaptations: jest.fn(async () => [adaptation, { ...adaptation, id: 'other', alertId: 'second' }]),
    });
    renderPanel(client);
    const c = within(await screen.findByTestId(TEST_IDS.card('top')));
    await user.click(c.getByTestId(TEST_IDS.feedback('false_positive')));
    expect(await c.findByTestId(TEST_IDS.adaptation, {}, { timeout: 3000 })).toHaveTextContent(
      'Detection threshold of press-07 / temperature raised by 0.1'
    );
    expect(c.getAllByTestId(TEST_IDS.adaptation)).toHaveLength(1);
  });

  it('hides the buttons from Grafana viewers', async () => {
    mockUser.orgRole = 'Viewer';
    renderPanel(makeClient());
    await screen.findByTestId(TEST_IDS.card('top'));
    expect(await screen.findByTestId(TEST_IDS.readOnlyNotice)).toHaveTextContent('Read-only');
    expect(screen.queryByTestId(TEST_IDS.feedback('useful'))).toBeNull();
  });

  it('hides the buttons when the data source is not Lucid', async () => {
    renderPanel(undefined);
    await screen.findByTestId(TEST_IDS.card('top'));
    expect(screen.queryByTestId(TEST_IDS.feedback('useful'))).toBeNull();
    await waitFor(() =>
      expect(within(card('top')).getByTestId(TEST_IDS.signature)).toHaveAttribute('data-state', 'unverified')
    );
  });
});

describe('panel states', () => {
  it('shows loading before the first answer', () => {
    renderPanel(makeClient(), {}, panelData([], LoadingState.Loading));
    expect(screen.getByTestId(TEST_IDS.loading)).toBeInTheDocument();
  });

  it('shows an empty state', () => {
    renderPanel(makeClient(), {}, panelData([alertsFrame([])]));
    expect(screen.getByTestId(TEST_IDS.empty)).toHaveTextContent('No alerts to show');
  });

  it('explains a frame of another shape', () => {
    const other = toDataFrame({
      name: 'cpu',
      fields: [
        { name: 'time', type: FieldType.time, values: [1] },
        { name: 'value', type: FieldType.number, values: [2] },
      ],
    });
    renderPanel(makeClient(), {}, panelData([other]));
    expect(screen.getByTestId(TEST_IDS.schemaMismatch)).toHaveTextContent(
      'missing id, severity, priority, status, device in cpu'
    );
  });

  it('shows the query error', () => {
    renderPanel(
      makeClient(),
      {},
      {
        ...panelData([]),
        state: LoadingState.Error,
        errors: [{ message: 'Lucid store: forbidden (HTTP 403, forbidden)' }],
      }
    );
    expect(screen.getByText('Lucid store: forbidden (HTTP 403, forbidden)')).toBeInTheDocument();
  });
});
