import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import type { DataSourceSettings } from '@grafana/data';
import { ConfigEditor } from './ConfigEditor';
import { QueryEditor } from './QueryEditor';
import { VariableQueryEditor } from './VariableQueryEditor';
import { TEST_IDS } from './testIds';
import {
  QueryType,
  VariableKind,
  type LucidDataSourceOptions,
  type LucidQuery,
  type LucidSecureJsonData,
} from '../types';

// Grafana's Combobox measures text on a canvas; jsdom has none (the scaffold's setup stubs getContext empty).
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => ({
    measureText: (text: string) => ({ width: text.length * 7 }),
    font: '',
  })) as never;
});

const settings = (patch: Partial<DataSourceSettings<LucidDataSourceOptions, LucidSecureJsonData>> = {}) =>
  ({ jsonData: {}, secureJsonFields: {}, ...patch }) as DataSourceSettings<LucidDataSourceOptions, LucidSecureJsonData>;

describe('ConfigEditor', () => {
  it('stores the URL in jsonData and the token only in secureJsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    fireEvent.change(screen.getByTestId(TEST_IDS.configApiUrl), {
      target: { value: ' http://node-red:1880/lucid/api ' },
    });
    expect(onOptionsChange.mock.calls[0][0].jsonData).toEqual({ apiUrl: 'http://node-red:1880/lucid/api' });
    fireEvent.change(
      screen.getByLabelText('API token', { exact: false }) ?? screen.getByPlaceholderText('Paste the token'),
      { target: { value: 'secret-token-123456' } }
    );
    const last = onOptionsChange.mock.calls.at(-1)[0];
    expect(last.secureJsonData).toEqual({ apiToken: 'secret-token-123456' });
    expect(JSON.stringify(last.jsonData)).not.toContain('secret');
  });

  it('shows a configured token as configured and resets it', () => {
    const onOptionsChange = jest.fn();
    render(
      <ConfigEditor options={settings({ secureJsonFields: { apiToken: true } })} onOptionsChange={onOptionsChange} />
    );
    fireEvent.click(screen.getByRole('button', { name: /reset/i }));
    expect(onOptionsChange.mock.calls[0][0]).toMatchObject({
      secureJsonFields: { apiToken: false },
      secureJsonData: { apiToken: '' },
    });
  });
});

describe('QueryEditor', () => {
  const renderEditor = (query: LucidQuery) => {
    const onChange = jest.fn();
    const onRunQuery = jest.fn();
    render(<QueryEditor datasource={{} as never} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
    return { onChange, onRunQuery };
  };

  it('shows the Alerts filters by default and edits them', () => {
    const { onChange, onRunQuery } = renderEditor({ refId: 'A' });
    fireEvent.change(screen.getByTestId(TEST_IDS.querySite), { target: { value: '$site' } });
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', site: '$site' });
    fireEvent.blur(screen.getByTestId(TEST_IDS.querySite));
    expect(onRunQuery).toHaveBeenCalled();
    expect(screen.getByTestId(TEST_IDS.queryText)).toBeInTheDocument();
    expect(screen.queryByTestId(TEST_IDS.queryMaxPoints)).not.toBeInTheDocument();
  });

  it('switches to Series and shows device, metric, points and unit', () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: QueryType.Series });
    expect(screen.getByTestId(TEST_IDS.queryMaxPoints)).toBeInTheDocument();
    expect(screen.getByTestId(TEST_IDS.queryUnit)).toBeInTheDocument();
    expect(screen.queryByTestId(TEST_IDS.queryText)).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Incidents', { selector: 'input' }) ?? screen.getByText('Incidents'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', queryType: QueryType.Incidents });
  });
});

describe('VariableQueryEditor', () => {
  it('lists kinds and shows the device filter for metrics', () => {
    const onChange = jest.fn();
    render(
      <VariableQueryEditor
        datasource={{} as never}
        query={{ refId: 'V', kind: VariableKind.Metrics }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    fireEvent.change(screen.getByTestId(TEST_IDS.variableDevice), { target: { value: '$device' } });
    expect(onChange).toHaveBeenCalledWith({ refId: 'V', kind: VariableKind.Metrics, device: '$device' });
  });
});
