/**
 * Typed errors thrown by `lib/`. Adapters map them to a red node status and `done(err)` (or the
 * reject output, for input). Messages name the field, the value and what was expected.
 */

/** Bad input data (a message, a file row). `code` is a stable, machine-readable reason. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Bad configuration of a node or a command. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string) {
    super(message);
  }
}

/** A model file, model card or inference failure. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(message: string) {
    super(message);
  }
}
