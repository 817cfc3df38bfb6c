import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { API_PATH } from '../nodes/lucid-store-config/store-config';

/**
 * Express middleware that keeps `Access-Control-*` headers out of a response, whoever sets them.
 *
 * Node-RED's admin app always answers cross-origin requests with `Access-Control-Allow-Origin: *`
 * (a `cors` handler with origin `*` is installed before `httpAdminCors` is read, so that setting
 * cannot turn it off). Mounted in front of `RED.httpAdmin`, this removes those headers just
 * before the status line is written, so a web page of another origin can neither pass a
 * preflight for `POST /flows` nor read an admin response.
 */
export function dropCorsHeaders(_req: Request, res: Response, next: NextFunction): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    for (const name of this.getHeaderNames()) {
      if (name.startsWith('access-control-')) this.removeHeader(name);
    }
    return writeHead.apply(this, args);
  } as Response['writeHead'];
  next();
}

/**
 * The request paths Node-RED's admin app (mounted at `/`) should see: all but `apiPath` and
 * what lies below it. The store API is served by Node-RED's HTTP node app, and a request for it
 * must not pass through the admin app first, which would add its CORS headers and parse the
 * body (up to 5 MB) before the API checks the token and its own 16 kB limit.
 * @param apiPath - e.g. `/lucid/api`.
 */
export function pathsOutside(apiPath: string): RegExp {
  const escaped = apiPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(?!${escaped}(?:/|$))`);
}

/** The two express apps of an initialised Node-RED runtime (`RED.httpAdmin`, `RED.httpNode`). */
export interface NodeRedApps {
  httpAdmin: RequestHandler;
  httpNode: RequestHandler;
}

/**
 * Mounts an initialised Node-RED (after `RED.init`, before `listen`) on `app` at `/`, the way
 * `lucid start` and the Compose image's launcher both run it: the admin app (editor and admin
 * API) without any `Access-Control-*` header and never for the store API's paths, which go
 * straight to the HTTP node app, where the API authenticates and applies its size limit before
 * it parses a body. Node-RED's own `red.js` mounts the admin app in front of everything and so
 * cannot give either guarantee.
 * @param app - the express app the HTTP server serves.
 * @param red - `RED` after `RED.init(server, settings)` with `httpAdminRoot` and `httpNodeRoot` `/`.
 * @param apiPath - the store API's path [`/lucid/api`].
 */
export function mountNodeRed(app: Express, red: NodeRedApps, apiPath: string = API_PATH): void {
  const adminPaths = pathsOutside(apiPath);
  app.use(adminPaths, dropCorsHeaders);
  app.use(adminPaths, red.httpAdmin);
  app.use('/', red.httpNode);
}
