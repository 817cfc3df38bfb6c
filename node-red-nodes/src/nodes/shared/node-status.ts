import type { Node, NodeStatus } from 'node-red';
import { ConfigError, InputError, ModelError } from '../../lib/contracts/errors';

/** Red ring + message for configuration problems, so the editor shows them on the node. */
export function configErrorStatus(text: string): NodeStatus {
  return { fill: 'red', shape: 'ring', text: text.length > 60 ? `${text.slice(0, 57)}…` : text };
}

/**
 * Reports an error the way Node-RED core nodes do: typed lib errors become a red status, and
 * the error goes to `done(err)` so Catch nodes see it. Never throws.
 */
export function reportError(node: Node, err: unknown, done: (err?: Error) => void): void {
  const error = err instanceof Error ? err : new Error(String(err));
  if (error instanceof ConfigError || error instanceof ModelError) {
    node.status(configErrorStatus(error.message));
  } else if (!(error instanceof InputError)) {
    node.status({ fill: 'red', shape: 'dot', text: error.message.slice(0, 60) });
  }
  done(error);
}
