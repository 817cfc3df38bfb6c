import type { AlertsPanelOptions } from '../../grafana-panel-plugin/src/types';
import { TOKENS } from './lucidBackend';

/** URL of the harness page (see harness/index.tsx for the parameters). */
export function panelUrl(
  opts: {
    theme?: 'light' | 'dark';
    ds?: 'lucid' | 'lucid-viewer';
    width?: number;
    height?: number;
    options?: Partial<AlertsPanelOptions>;
  } = {},
): string {
  const q = new URLSearchParams({
    theme: opts.theme ?? 'dark',
    ds: opts.ds ?? 'lucid',
    width: String(opts.width ?? 940),
    height: String(opts.height ?? 1000),
    options: JSON.stringify(opts.options ?? {}),
  });
  return `${process.env.LUCID_E2E_PAGE}/?${q}`;
}

/** GET on the store API with the admin token (checks made behind the panel's back). */
export async function storeGet<T>(path: string): Promise<T> {
  const res = await fetch(`${process.env.LUCID_E2E_API}/${path}`, {
    headers: { Authorization: `Bearer ${TOKENS.admin}` },
  });
  if (!res.ok) {
    throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as T;
}
