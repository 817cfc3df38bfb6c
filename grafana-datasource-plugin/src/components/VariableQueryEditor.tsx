import React, { type ChangeEvent } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';
import type { DataSource } from '../datasource';
import { type LucidDataSourceOptions, type LucidQuery, type LucidVariableDataQuery, VariableKind } from '../types';
import { TEST_IDS } from './testIds';

type Props = QueryEditorProps<DataSource, LucidQuery, LucidDataSourceOptions, LucidVariableDataQuery>;

const KINDS: Array<SelectableValue<VariableKind>> = [
  { label: 'Sites', value: VariableKind.Sites },
  { label: 'Zones', value: VariableKind.Zones },
  { label: 'Devices', value: VariableKind.Devices },
  { label: 'Metrics', value: VariableKind.Metrics },
];

/** Template variable editor: what to list, optionally within a site or (metrics) a device. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const kind = query.kind ?? VariableKind.Sites;
  return (
    <InlineFieldRow>
      <InlineField label="List" labelWidth={10}>
        <RadioButtonGroup
          data-testid={TEST_IDS.variableKind}
          options={KINDS}
          value={kind}
          onChange={(k) => onChange({ ...query, kind: k })}
        />
      </InlineField>
      {kind !== VariableKind.Sites && (
        <InlineField label="Site" tooltip="Only values seen at this site (e.g. $site)">
          <Input
            data-testid={TEST_IDS.variableSite}
            value={query.site ?? ''}
            placeholder="any"
            width={20}
            onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, site: e.target.value || undefined })}
          />
        </InlineField>
      )}
      {kind === VariableKind.Metrics && (
        <InlineField label="Device" tooltip="Only this device's metrics (e.g. $device)">
          <Input
            data-testid={TEST_IDS.variableDevice}
            value={query.device ?? ''}
            placeholder="any"
            width={20}
            onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...query, device: e.target.value || undefined })}
          />
        </InlineField>
      )}
    </InlineFieldRow>
  );
}
