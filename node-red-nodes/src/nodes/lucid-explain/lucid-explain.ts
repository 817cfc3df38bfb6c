import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { likeInput, toItems } from '../../lib/batch';
import { ConfigError, InputError } from '../../lib/contracts/errors';
import type { Detection } from '../../lib/contracts/types';
import { lucidMetrics } from '../../lib/api/lucid-metrics';
import { Explainer } from '../../lib/explain/explainer';
import { shippedPlaybooks } from '../../lib/explain/playbook-library';
import { Narrator } from '../../lib/explain/narrator';
import { resolveFleet } from '../shared/fleet-config';
import { configErrorStatus, reportError } from '../shared/node-status';
import { correlationWindowFromConfig, narrativeFromConfig, type ExplainNodeDef } from './explain-config';
import { timedDone } from '../shared/stage-timer';

/** Shortest time between two status refreshes, ms. */
const STATUS_INTERVAL_MS = 1000;

type ExplainMsg = NodeMessageInFlow & { adaptation?: unknown; playbooks?: unknown };

export = function (RED: NodeAPI) {
  function LucidExplainNode(this: Node, config: ExplainNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let explainer: Explainer | undefined;
    let narrator: Narrator | undefined;
    let configError: Error | undefined;
    let explained = 0;
    let lastExplained: Detection | undefined;
    let shownCount = 0;
    let lastStatusMs = 0;
    /** The count and last explanation: refreshed at most once per STATUS_INTERVAL_MS (the timer shows the last change). */
    const showStatus = (): void => {
      if (!lastExplained?.explanation) return;
      shownCount = explained;
      lastStatusMs = Date.now();
      node.status({
        fill: 'yellow',
        shape: 'dot',
        text: RED._('lucid-explain.status.explained', {
          count: explained,
          last: lastExplained.explanation.type,
          device: lastExplained.reading.deviceId,
        }),
      });
    };
    const statusTimer = setInterval(() => {
      if (explained !== shownCount) showStatus();
    }, STATUS_INTERVAL_MS);

    try {
      const { registry } = resolveFleet((id) => RED.nodes.getNode(id), config.fleet);
      const made = new Explainer({
        registry,
        playbooks: config.playbooks,
        correlationWindowMs: correlationWindowFromConfig(config.correlationWindowMs),
      });
      const credentials = (node as unknown as { credentials?: { narrativeApiKey?: string } }).credentials;
      const narrative = narrativeFromConfig(config, credentials?.narrativeApiKey);
      if (narrative) {
        const causeLabels = Object.values(shippedPlaybooks()).flatMap((p) =>
          (p.causes ?? []).map((c) => c.label),
        );
        narrator = new Narrator({
          ...narrative,
          vocabulary: () => {
            const devices = registry.devices();
            return {
              deviceIds: devices.map((dev) => dev.deviceId),
              metrics: [...new Set(devices.flatMap((dev) => Object.keys(dev.metrics)))],
              units: [...new Set(devices.flatMap((dev) => Object.values(dev.metrics).map((m) => m.unit)))],
              causes: causeLabels,
            };
          },
          onOutcome: (outcome, detail) => {
            lucidMetrics().narratives.inc({ outcome });
            if (detail) node.debug(`narrative ${outcome}: ${detail}`);
          },
        });
      }
      // Set last: a bad narrative setting leaves the node unconfigured, like any config error.
      explainer = made;
      node.status({ fill: 'green', shape: 'ring', text: RED._('lucid-explain.status.ready') });
    } catch (err) {
      configError = err instanceof Error ? err : new Error(String(err));
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    node.on('input', (msg: ExplainMsg, send, nodeDone) => {
      const done = timedDone('explain', nodeDone);
      try {
        if (msg.adaptation !== undefined) {
          send(msg);
          done();
          return;
        }
        if (!explainer) throw configError ?? new ConfigError('lucid-explain is not configured');
        if (msg.playbooks !== undefined) {
          // A refused update changes nothing: the previous playbooks stay in use.
          try {
            const inUse = explainer.updatePlaybooks(msg.playbooks);
            node.status({
              fill: 'green',
              shape: 'ring',
              text: RED._('lucid-explain.status.playbooks', { count: Object.keys(inUse).length }),
            });
          } catch (err) {
            node.status({
              fill: 'yellow',
              shape: 'ring',
              text: RED._('lucid-explain.status.playbooksRefused'),
            });
            done(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          done();
          return;
        }
        const payload = msg.payload;
        if (payload === null || typeof payload !== 'object') {
          throw new InputError(
            'bad_detection',
            `payload: expected a Detection or an array of Detections, got ${payload === null ? 'null' : typeof payload}`,
          );
        }
        const out = explainer.process(toItems<unknown>(payload));
        for (const d of out) {
          if (!d.explanation) continue;
          explained++;
          lastExplained = d;
          // Never waits for the model: a cached narrative rides along, a new one follows on its own message.
          const cached = narrator?.narrate(d, (update) => node.send({ narrative: update } as NodeMessage));
          if (cached) d.explanation = { ...d.explanation, narrative: cached };
        }
        if (lastExplained && explained !== shownCount && Date.now() - lastStatusMs >= STATUS_INTERVAL_MS)
          showStatus();
        msg.payload = likeInput(payload, out);
        send(msg);
        done();
      } catch (err) {
        reportError(node, err, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(statusTimer);
      narrator?.close();
      explainer?.reset();
      done();
    });
  }

  RED.nodes.registerType('lucid-explain', LucidExplainNode, {
    credentials: { narrativeApiKey: { type: 'password' } },
  });
};
