import type { NodeAPI } from 'node-red';
import type { RequestHandler } from 'express';
import { ApiAuth } from '../../lib/api/api-auth';
import { createApiRouter, type ApiRouter } from '../../lib/api/api-router';
import { lucidMetrics } from '../../lib/api/lucid-metrics';
import { openAlertStore } from '../../lib/store/open-alert-store';
import { detectorRegistry } from '../../lib/score/detector-registry';
import { ScoreService } from '../../lib/score/score-service';
import { mountApi, unmountApi } from './api-mount';
import {
  API_PATH,
  storeOptionsFromConfig,
  tokensFromConfig,
  type StoreConfigDef,
  type StoreConfigNode,
} from './store-config';

export = function (RED: NodeAPI) {
  function LucidStoreConfigNode(this: StoreConfigNode, config: StoreConfigDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const userDir = RED.settings.userDir ?? process.cwd();
    let api: ApiRouter | undefined;
    let mounted = false;
    const httpNode = RED.httpNode as unknown as
      { use: (path: string, h: RequestHandler) => unknown } | undefined;

    node.store = (async () => {
      const options = storeOptionsFromConfig(config, node.credentials ?? {}, userDir);
      const store = await openAlertStore(options);
      if (config.apiEnabled !== false && httpNode) {
        try {
          const { tokens, tokenFile } = tokensFromConfig(config, node.credentials ?? {}, options.dataDir);
          api = createApiRouter({
            store,
            auth: new ApiAuth(tokens),
            metrics: lucidMetrics(),
            corsOrigins: (config.corsOrigins ?? '')
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
            metricsPublic: config.metricsPublic === true,
            scorer: new ScoreService(detectorRegistry()),
            onError: (err) => node.error(`lucid api: ${(err as Error)?.message ?? err}`),
          });
          node.api = api;
          mounted = mountApi(httpNode, API_PATH, node.id, api.router);
          const root = String(
            (RED.settings as unknown as { httpNodeRoot?: string }).httpNodeRoot ?? '/',
          ).replace(/\/$/, '');
          if (!mounted) node.warn(RED._('lucid-store-config.warn.apiTaken', { path: `${root}${API_PATH}` }));
          else
            node.log(
              RED._('lucid-store-config.log.api', {
                path: `${root}${API_PATH}`,
                engine: store.engineName,
                tokens: tokens.map((t) => `${t.name}(${t.role})`).join(', '),
              }),
            );
          if (tokenFile) node.log(RED._('lucid-store-config.log.tokenFile', { file: tokenFile }));
        } catch (err) {
          await store.close();
          throw err;
        }
      }
      return store;
    })();
    node.store.catch((err: Error) =>
      node.error(RED._('lucid-store-config.error.open', { error: err.message })),
    );

    // Writes still queued in lucid-store nodes: Node-RED closes every node of a flow at once, so
    // the store must outlive the queues of the nodes writing to it.
    const inFlight = new Set<Promise<unknown>>();
    node.track = (work) => {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      api?.close();
      if (mounted && httpNode) unmountApi(httpNode, API_PATH, node.id);
      Promise.all([...inFlight])
        .then(() => node.store)
        .then((s) => s.close())
        .catch(() => undefined)
        .finally(() => done());
    });
  }

  RED.nodes.registerType(
    'lucid-store-config',
    LucidStoreConfigNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1],
    {
      credentials: {
        adminToken: { type: 'password' },
        operatorToken: { type: 'password' },
        viewerToken: { type: 'password' },
        extraTokens: { type: 'password' },
        postgresUrl: { type: 'password' },
        signingKey: { type: 'password' },
      },
    },
  );
};
