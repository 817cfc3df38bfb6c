import React, { type ChangeEvent } from 'react';
import {
  Combobox,
  type ComboboxOption,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  Input,
  MultiCombobox,
  RadioButtonGroup,
  Stack,
} from '@grafana/ui';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import type { DataSource } from '../datasource';
import {
  ALERT_STATUS_OPTIONS,
  AlertSort,
  DEFAULT_ALERT_LIMIT,
  DEFAULT_MAX_POINTS,
  INCIDENT_STATUS_OPTIONS,
  type LucidDataSourceOptions,
  type LucidQuery,
  QueryType,
  SEVERITY_OPTIONS,
  SortOrder,
} from '../types';
import { TEST_IDS } from './testIds';

type Props = QueryEditorProps<DataSource, LucidQuery, LucidDataSourceOptions>;

const QUERY_TYPES: Array<SelectableValue<QueryType>> = [
  { label: 'Alerts', value: QueryType.Alerts, description: 'One row per alert with its explanation' },
  { label: 'Series', value: QueryType.Series, description: 'A device metric with its expected band and anomalies' },
  { label: 'Incidents', value: QueryType.Incidents, description: 'One row per incident' },
  { label: 'Stats', value: QueryType.Stats, description: 'Detections → alerts → incidents → notifications' },
];
const SORTS: Array<SelectableValue<AlertSort>> = [
  { label: 'Priority', value: AlertSort.Priority },
  { label: 'Time', value: AlertSort.Time },
];
const ORDERS: Array<SelectableValue<SortOrder>> = [
  { label: 'Desc', value: SortOrder.Desc },
  { label: 'Asc', value: SortOrder.Asc },
];
const BUCKETS: Array<ComboboxOption<number>> = [
  { label: 'None', value: 0 },
  { label: '1 minute', value: 60_000 },
  { label: '5 minutes', value: 300_000 },
  { label: '15 minutes', value: 900_000 },
  { label: '1 hour', value: 3_600_000 },
  { label: '1 day', value: 86_400_000 },
];
const options = (values: readonly string[]): Array<ComboboxOption<string>> =>
  values.map((v) => ({ label: v, value: v }));
/** Selected values of a multi-combobox (custom values such as `$severity` included). */
const picked = (items: Array<ComboboxOption<string>>): string[] => items.map((x) => x.value).filter(Boolean);
const LABEL = 14;

/** A text filter that accepts template variables; runs the query when it loses focus. */
function TextFilter(props: {
  label: string;
  tooltip: string;
  testId: string;
  value?: string;
  placeholder: string;
  onChange: (v: string) => void;
  onBlur: () => void;
  width?: number;
}) {
  return (
    <InlineField label={props.label} labelWidth={LABEL} tooltip={props.tooltip}>
      <Input
        data-testid={props.testId}
        value={props.value ?? ''}
        placeholder={props.placeholder}
        width={props.width ?? 24}
        onChange={(e: ChangeEvent<HTMLInputElement>) => props.onChange(e.target.value)}
        onBlur={props.onBlur}
      />
    </InlineField>
  );
}

/** Severities to keep (empty: all); used by Alerts and Incidents queries and annotations. */
function SeverityFilter(props: { value?: string[]; onChange: (severity: string[]) => void }) {
  return (
    <InlineField label="Severity" labelWidth={LABEL} tooltip="Empty: all severities. Accepts a multi-value variable.">
      <MultiCombobox
        data-testid={TEST_IDS.querySeverity}
        options={options(SEVERITY_OPTIONS)}
        value={props.value ?? []}
        createCustomValue
        placeholder="All"
        width={36}
        onChange={(v) => props.onChange(picked(v))}
      />
    </InlineField>
  );
}

/** The alert filters shared by Alerts queries and annotations. */
export function AlertFilters({ query, onChange, onRunQuery }: Pick<Props, 'query' | 'onChange' | 'onRunQuery'>) {
  const set = (patch: Partial<LucidQuery>, run = false) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  return (
    <>
      <InlineFieldRow>
        <SeverityFilter value={query.severity} onChange={(severity) => set({ severity }, true)} />
        <InlineField label="Status" labelWidth={LABEL} tooltip="Empty: all statuses.">
          <MultiCombobox
            data-testid={TEST_IDS.queryStatus}
            options={options(ALERT_STATUS_OPTIONS)}
            value={query.status ?? []}
            createCustomValue
            placeholder="All"
            width={36}
            onChange={(v) => set({ status: picked(v) }, true)}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <TextFilter
          label="Site"
          tooltip="One site or a variable such as $site"
          testId={TEST_IDS.querySite}
          value={query.site}
          placeholder="$site"
          onChange={(site) => set({ site })}
          onBlur={onRunQuery}
        />
        <TextFilter
          label="Device"
          tooltip="One device id or a variable such as $device"
          testId={TEST_IDS.queryDevice}
          value={query.device}
          placeholder="$device"
          onChange={(device) => set({ device })}
          onBlur={onRunQuery}
        />
        <TextFilter
          label="Incident"
          tooltip="One incident id"
          testId={TEST_IDS.queryIncident}
          value={query.incident}
          placeholder="any"
          onChange={(incident) => set({ incident })}
          onBlur={onRunQuery}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <TextFilter
          label="Metric"
          tooltip="One metric, e.g. temperature"
          testId={TEST_IDS.queryMetric}
          value={query.metric}
          placeholder="any"
          onChange={(metric) => set({ metric })}
          onBlur={onRunQuery}
        />
        <TextFilter
          label="Text"
          tooltip="Case-insensitive text in title, summary, causes, device or site (applied to the fetched page)"
          testId={TEST_IDS.queryText}
          value={query.text}
          placeholder="e.g. overheating"
          width={36}
          onChange={(text) => set({ text })}
          onBlur={onRunQuery}
        />
      </InlineFieldRow>
    </>
  );
}

/** Query editor: a query type, then that type's fields. */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const type = query.queryType ?? QueryType.Alerts;
  const set = (patch: Partial<LucidQuery>, run = false) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const limit = (
    <InlineField label="Limit" labelWidth={LABEL} tooltip="Rows, 1..1000">
      <Input
        data-testid={TEST_IDS.queryLimit}
        type="number"
        min={1}
        max={1000}
        width={12}
        value={query.limit ?? DEFAULT_ALERT_LIMIT}
        onChange={(e: ChangeEvent<HTMLInputElement>) =>
          set({ limit: e.target.value === '' ? undefined : Number(e.target.value) })
        }
        onBlur={onRunQuery}
      />
    </InlineField>
  );

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL}>
          <RadioButtonGroup
            data-testid={TEST_IDS.queryType}
            options={QUERY_TYPES}
            value={type}
            onChange={(queryType) => set({ queryType }, true)}
          />
        </InlineField>
      </InlineFieldRow>

      {type === QueryType.Alerts && (
        <>
          <AlertFilters query={query} onChange={onChange} onRunQuery={onRunQuery} />
          <InlineFieldRow>
            <InlineField label="Sort" labelWidth={LABEL}>
              <RadioButtonGroup
                data-testid={TEST_IDS.querySort}
                options={SORTS}
                value={query.sort ?? AlertSort.Priority}
                onChange={(sort) => set({ sort }, true)}
              />
            </InlineField>
            <InlineField label="Order">
              <RadioButtonGroup
                data-testid={TEST_IDS.queryOrder}
                options={ORDERS}
                value={query.order ?? SortOrder.Desc}
                onChange={(order) => set({ order }, true)}
              />
            </InlineField>
            {limit}
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField
              label="Feedback counts"
              labelWidth={LABEL}
              tooltip="Fetch per-alert feedback counts (one extra request per row, first 200 rows)"
            >
              <InlineSwitch
                data-testid={TEST_IDS.queryWithFeedback}
                value={query.withFeedback !== false}
                onChange={(e) => set({ withFeedback: e.currentTarget.checked }, true)}
              />
            </InlineField>
            <InlineField
              label="Live"
              labelWidth={LABEL}
              tooltip="When the range ends at now, update rows from the store's event stream without refreshing"
            >
              <InlineSwitch
                data-testid={TEST_IDS.queryLive}
                value={query.live === true}
                onChange={(e) => set({ live: e.currentTarget.checked }, true)}
              />
            </InlineField>
          </InlineFieldRow>
        </>
      )}

      {type === QueryType.Series && (
        <InlineFieldRow>
          <TextFilter
            label="Device"
            tooltip="Required: one device id or variable"
            testId={TEST_IDS.queryDevice}
            value={query.device}
            placeholder="$device"
            onChange={(device) => set({ device })}
            onBlur={onRunQuery}
          />
          <TextFilter
            label="Metric"
            tooltip="Required: one metric or variable"
            testId={TEST_IDS.queryMetric}
            value={query.metric}
            placeholder="$metric"
            onChange={(metric) => set({ metric })}
            onBlur={onRunQuery}
          />
          <InlineField
            label="Max points"
            labelWidth={LABEL}
            tooltip="Samples after LTTB down-sampling, 3..10000 (also capped by the panel width)"
          >
            <Input
              data-testid={TEST_IDS.queryMaxPoints}
              type="number"
              min={3}
              max={10000}
              width={12}
              value={query.maxPoints ?? DEFAULT_MAX_POINTS}
              onChange={(e: ChangeEvent<HTMLInputElement>) =>
                set({ maxPoints: e.target.value === '' ? undefined : Number(e.target.value) })
              }
              onBlur={onRunQuery}
            />
          </InlineField>
          <TextFilter
            label="Unit"
            tooltip="Override the unit (Grafana unit id such as celsius, or a symbol such as °C). Default: the unit the fleet declares, from the latest alert's evidence."
            testId={TEST_IDS.queryUnit}
            value={query.unit}
            placeholder="from fleet"
            width={14}
            onChange={(unit) => set({ unit })}
            onBlur={onRunQuery}
          />
        </InlineFieldRow>
      )}

      {type === QueryType.Incidents && (
        <>
          <InlineFieldRow>
            <InlineField label="Status" labelWidth={LABEL}>
              <MultiCombobox
                data-testid={TEST_IDS.queryIncidentStatus}
                options={options(INCIDENT_STATUS_OPTIONS)}
                value={query.incidentStatus ?? []}
                placeholder="All"
                width={30}
                onChange={(v) => set({ incidentStatus: picked(v) }, true)}
              />
            </InlineField>
            <SeverityFilter value={query.severity} onChange={(severity) => set({ severity }, true)} />
          </InlineFieldRow>
          <InlineFieldRow>
            <TextFilter
              label="Site"
              tooltip="One site or a variable"
              testId={TEST_IDS.querySite}
              value={query.site}
              placeholder="$site"
              onChange={(site) => set({ site })}
              onBlur={onRunQuery}
            />
            {limit}
          </InlineFieldRow>
        </>
      )}

      {type === QueryType.Stats && (
        <InlineFieldRow>
          <InlineField
            label="Over time"
            labelWidth={LABEL}
            tooltip="Also return the counters per time bucket as a time series"
          >
            <Combobox
              data-testid={TEST_IDS.queryBucket}
              options={BUCKETS}
              value={query.bucketMs ?? 0}
              width={20}
              onChange={(v) => set({ bucketMs: v.value || undefined }, true)}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </Stack>
  );
}
