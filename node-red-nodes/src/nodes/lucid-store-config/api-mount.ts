import type { RequestHandler } from 'express';

interface Mount {
  current?: RequestHandler;
  owner?: string;
}

const mounts = new WeakMap<object, Map<string, Mount>>();

/**
 * Mounts `handler` at `path` of an express app so that it can be replaced or removed later:
 * express cannot unmount middleware, so one dispatcher is installed per app and path (once per
 * process) and redeploys swap what it delegates to. With nothing mounted, requests fall through
 * (Node-RED answers 404).
 * @returns false when another owner already serves the path (nothing changed).
 */
export function mountApi(
  app: { use: (path: string, h: RequestHandler) => unknown },
  path: string,
  owner: string,
  handler: RequestHandler,
): boolean {
  let byPath = mounts.get(app);
  if (!byPath) {
    byPath = new Map();
    mounts.set(app, byPath);
  }
  let m = byPath.get(path);
  if (!m) {
    const mount: Mount = {};
    m = mount;
    byPath.set(path, mount);
    app.use(path, (req, res, next) => (mount.current ? mount.current(req, res, next) : next()));
  }
  if (m.owner && m.owner !== owner) return false;
  m.owner = owner;
  m.current = handler;
  return true;
}

/** Removes what `owner` mounted at `path` (no-op when someone else serves it). */
export function unmountApi(app: object, path: string, owner: string): void {
  const m = mounts.get(app)?.get(path);
  if (m && m.owner === owner) {
    m.owner = undefined;
    m.current = undefined;
  }
}
