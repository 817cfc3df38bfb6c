import React, { type ChangeEvent } from 'react';
import { Field, Input, SecretInput, Stack, Text } from '@grafana/ui';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import type { LucidDataSourceOptions, LucidSecureJsonData } from '../types';
import { TEST_IDS } from './testIds';

type Props = DataSourcePluginOptionsEditorProps<LucidDataSourceOptions, LucidSecureJsonData>;

/**
 * Data source settings: the store API URL (jsonData, as seen from the Grafana server) and the
 * API token (secureJsonData: write-only, encrypted by Grafana, injected by the `lucid` proxy route).
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;

  const onUrlChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, apiUrl: event.target.value.trim() } });
  };
  const onTokenChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, secureJsonData: { apiToken: event.target.value } });
  };
  const onTokenReset = () => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, apiToken: false },
      secureJsonData: { ...options.secureJsonData, apiToken: '' },
    });
  };

  return (
    <Stack direction="column" gap={1}>
      <Text element="p" color="secondary">
        Lucid serves its alert store API under the Node-RED HTTP root at /lucid/api. Grafana calls it server-side
        through its data proxy, so the URL must be reachable from the Grafana server.
      </Text>
      <Field
        label="Store API URL"
        description="e.g. http://node-red:1880/lucid/api (Docker Compose) or http://127.0.0.1:1880/lucid/api"
        required
      >
        <Input
          id="lucid-config-api-url"
          data-testid={TEST_IDS.configApiUrl}
          value={jsonData.apiUrl ?? ''}
          onChange={onUrlChange}
          placeholder="http://node-red:1880/lucid/api"
          width={60}
        />
      </Field>
      <Field
        label="API token"
        description="A bearer token of the lucid-store config node: viewer (read), operator (also feedback, acknowledge, resolve) or admin. Stored encrypted; never sent to browsers."
        required
      >
        <SecretInput
          id="lucid-config-api-token"
          data-testid={TEST_IDS.configApiToken}
          isConfigured={Boolean(secureJsonFields?.apiToken)}
          value={options.secureJsonData?.apiToken ?? ''}
          onChange={onTokenChange}
          onReset={onTokenReset}
          placeholder="Paste the token"
          width={60}
        />
      </Field>
    </Stack>
  );
}
