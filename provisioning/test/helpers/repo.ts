/** Paths and readers shared by the provisioning tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

/** The repository root. */
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const PROVISIONING = path.join(REPO, 'provisioning');

export const repoPath = (...parts: string[]): string => path.join(REPO, ...parts);
export const readText = (...parts: string[]): string => fs.readFileSync(repoPath(...parts), 'utf8');
export const readJson = <T = unknown>(...parts: string[]): T => JSON.parse(readText(...parts)) as T;
export const readYaml = <T = unknown>(...parts: string[]): T => yaml.load(readText(...parts)) as T;

/** A Compose service as this repository writes it (the fields the tests look at). */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  entrypoint?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const compose = (): ComposeFile => readYaml<ComposeFile>('docker-compose.yml');

/** `source:target[:mode]` of a service's volumes. */
export function mounts(service: ComposeService): { source: string; target: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    const [source, target, mode] = v.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
}

/** Names of the `${VAR}`, `${VAR:-x}`, `${VAR:?x}` references in a text (`$$` escapes skipped). */
export function envReferences(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]);
  return names;
}

/** `NAME=value` lines of an env file. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** The secrets `.env.example` leaves empty, filled with test values (16+ URL-safe characters). */
export function testEnv(): Map<string, string> {
  const env = parseEnvFile(readText('.env.example'));
  for (const [name, value] of env)
    if (value === '') env.set(name, `test-${name.toLowerCase().replace(/_/g, '-')}-0123456789`);
  return env;
}

/** Plugin ids and sources of the two Grafana plugins (read from their own files). */
export const DATASOURCE_PLUGIN = 'grafana-datasource-plugin';
export const PANEL_PLUGIN = 'grafana-panel-plugin';
export const pluginJson = (plugin: string): { id: string; type: string; routes?: unknown[] } =>
  readJson(plugin, 'src', 'plugin.json');
