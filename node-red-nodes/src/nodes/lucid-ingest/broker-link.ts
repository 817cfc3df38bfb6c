/**
 * What a Node-RED `status` node reports about an MQTT node's broker connection: the core
 * `mqtt in` / `mqtt out` nodes set their status text to `node-red:common.status.connected`,
 * `…disconnected` or `…connecting`.
 * @param msg - any message; only `msg.status` `{text, source: {id}}` from a status node is read.
 * @returns the reporting node's id and whether its broker link is up, or undefined when the
 *   message is not such a status (e.g. other status texts, or telemetry).
 */
export function brokerLinkOf(msg: unknown): { sourceId: string; connected: boolean } | undefined {
  const status = (msg as { status?: unknown } | null)?.status as
    { text?: unknown; source?: { id?: unknown } } | undefined;
  if (!status || typeof status !== 'object' || typeof status.text !== 'string') return undefined;
  const sourceId = typeof status.source?.id === 'string' ? status.source.id : '';
  const state = /(?:^|\.)(connected|disconnected|connecting)$/.exec(status.text)?.[1];
  if (state === undefined) return undefined;
  return { sourceId, connected: state === 'connected' };
}
