import { PanelPlugin } from '@grafana/data';
import { AlertsPanel } from './components/AlertsPanel';
import { migrateOptions } from './migrations';
import { addPanelOptions } from './options';
import type { AlertsPanelOptions } from './types';

export const plugin = new PanelPlugin<AlertsPanelOptions>(AlertsPanel)
  .setPanelOptions(addPanelOptions)
  .setMigrationHandler(migrateOptions);
