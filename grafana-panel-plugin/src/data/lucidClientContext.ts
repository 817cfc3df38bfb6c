import type { DataSourceRef } from '@grafana/schema';
import { getDataSourceSrv } from '@grafana/runtime';
import { createContext } from 'react';
import { type LucidPanelClient, toLucidClient } from './lucidClient';
import { LUCID_DATASOURCE_TYPE } from '../types';

/** Finds the client of the data source a panel query used; undefined when it is not a Lucid one. */
export type LucidClientResolver = (ref: DataSourceRef | null | undefined) => Promise<LucidPanelClient | undefined>;

/** Inside Grafana: the data source instance from Grafana's registry, adapted with {@link toLucidClient}. */
export const grafanaClientResolver: LucidClientResolver = async (ref) => {
  if (!ref || (ref.type && ref.type !== LUCID_DATASOURCE_TYPE)) {
    return undefined;
  }
  try {
    return toLucidClient(await getDataSourceSrv().get(ref));
  } catch {
    return undefined;
  }
};

/** How the panel reaches the data source; tests and the browser harness provide their own. */
export const LucidClientContext = createContext<LucidClientResolver>(grafanaClientResolver);
