import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { signWebhook } from '../../lib/signing/webhook-signature';
import { toItems } from '../../lib/batch';
import { ConfigError, InputError } from '../../lib/contracts/errors';
import type { AlertEvent, Incident, Notification, PipelineTiming } from '../../lib/contracts/types';
import { AlertRouter, type RouteResult } from '../../lib/route/alert-router';
import type { RouteOptions } from '../../lib/route/route-options';
import { resolveFleet } from '../shared/fleet-config';
import { configErrorStatus, reportError } from '../shared/node-status';
import { optionsFromConfig, SAVE_INTERVAL_MS, STATE_KEY, type RouteNodeDef } from './route-config';
import { timedDone } from '../shared/stage-timer';

/** Shortest time between two status refreshes, ms; also the period of the save/status timer. */
const STATUS_INTERVAL_MS = 1000;

type RouteMsg = NodeMessageInFlow & { silence?: unknown; adaptation?: unknown; narrative?: unknown };

export = function (RED: NodeAPI) {
  function LucidRouteNode(this: Node, config: RouteNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let router: AlertRouter | undefined;
    let options: RouteOptions | undefined;
    let configError: Error | undefined;
    let dirty = false;
    let lastSaveMs = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let statusDirty = false;
    let lastStatusMs = 0;
    let lastStatusText = '';
    // Flow context, not node context: without a configured context store Node-RED deletes a
    // node's own context whenever the node is redeployed, and the state must survive that.
    const stateKey = `${STATE_KEY}:${node.id}`;
    const stateStore = () => node.context().flow;

    try {
      options = optionsFromConfig(config);
      const { registry } = resolveFleet((id) => RED.nodes.getNode(id), config.fleet);
      const saved = stateStore().get(stateKey);
      if (saved !== undefined) {
        try {
          router = AlertRouter.restore(options, registry, saved);
        } catch (err) {
          node.warn(RED._('lucid-route.warn.stateDiscarded', { error: (err as Error).message }));
        }
      }
      if (!router) {
        router = new AlertRouter(options, registry);
        // Replace an unreadable saved state at once, so it is not restored again.
        if (saved !== undefined) save();
      }
      timer = setInterval(() => {
        if (dirty && Date.now() - lastSaveMs >= SAVE_INTERVAL_MS) save();
        if (statusDirty) updateStatus();
      }, STATUS_INTERVAL_MS);
      updateStatus();
    } catch (err) {
      configError = err instanceof Error ? err : new Error(String(err));
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    function updateStatus(): void {
      statusDirty = false;
      lastStatusMs = Date.now();
      if (!router) return;
      const s = router.stats();
      const text = RED._('lucid-route.status.summary', {
        open: s.openAlerts,
        incidents: s.openIncidents,
        notified: s.notifications,
        held: s.dropped,
      });
      if (text === lastStatusText) return;
      lastStatusText = text;
      node.status({ fill: s.openAlerts > 0 ? 'yellow' : 'green', shape: 'dot', text });
    }

    function save(): void {
      dirty = false;
      lastSaveMs = Date.now();
      if (router) stateStore().set(stateKey, router.snapshot());
    }

    function alertMessage(
      event: AlertEvent,
      incidents: Map<string, Incident>,
      timing: PipelineTiming,
    ): NodeMessage {
      const a = event.alert;
      return {
        topic: `tenants/${a.tenant ?? 'default'}/alerts/${a.severity}/${a.deviceId}`,
        payload: a,
        event,
        incident: incidents.get(a.incidentId) ?? null,
        ...(timing.lucidIngestMs !== undefined ? { lucidIngestMs: timing.lucidIngestMs } : {}),
      } as NodeMessage;
    }

    const webhookSecret =
      (node as unknown as { credentials?: { webhookSecret?: string } }).credentials?.webhookSecret ?? '';

    function notificationMessage(n: Notification): NodeMessage {
      const url = options?.channels[n.channel].url;
      if (n.channel === 'webhook' && webhookSecret) {
        // Sign the exact bytes that will be sent: the body travels as the serialized string.
        const body = JSON.stringify(n.payload);
        return {
          payload: body,
          headers: { 'content-type': 'application/json', ...signWebhook(body, webhookSecret, Date.now()) },
          channel: n.channel,
          notification: n,
          ...(url ? { url } : {}),
        } as NodeMessage;
      }
      return {
        payload: n.payload,
        headers: { 'content-type': 'application/json' },
        channel: n.channel,
        notification: n,
        ...(url ? { url } : {}),
      } as NodeMessage;
    }

    node.on('input', (msg: RouteMsg, send, nodeDone) => {
      const done = timedDone('route', nodeDone);
      try {
        if (!router) throw configError ?? new ConfigError('lucid-route is not configured');
        const result: RouteResult = {
          events: [],
          notifications: [],
          resolved: [],
          incidents: [],
          invalid: [],
        };
        const isControl = msg.silence !== undefined || msg.adaptation !== undefined;
        if (msg.silence !== undefined) {
          const s = msg.silence as { id?: unknown; remove?: unknown } | null;
          if (s && typeof s === 'object' && s.remove === true) {
            if (typeof s.id !== 'string' || !s.id)
              throw new InputError(
                'invalid_silence',
                `silence.id: expected the id of the silence to remove, got ${JSON.stringify(s.id)}`,
              );
            router.removeSilence(s.id);
          } else {
            result.events.push(...router.addSilence(s).events);
          }
        }
        if (msg.adaptation !== undefined) {
          result.events.push(...router.applyAdaptation(msg.adaptation).events);
        }
        const isNarrative = !isControl && msg.narrative !== undefined;
        if (isNarrative) {
          const event = router.attachNarrative(msg.narrative);
          if (event) result.events.push(event);
        }
        let total = 0;
        if (!isControl && !isNarrative) {
          const items = toItems<unknown>(msg.payload);
          total = items.length;
          const routed = router.route(items);
          result.events.push(...routed.events);
          result.notifications.push(...routed.notifications);
          result.resolved.push(...routed.resolved);
          result.incidents.push(...routed.incidents);
          result.invalid.push(...routed.invalid);
        }
        // Copies of the open incidents only when an alert message needs one (most batches have none).
        const incidents = new Map<string, Incident>();
        if (result.events.length + result.resolved.length > 0) {
          for (const i of router.openIncidents()) incidents.set(i.id, i);
          for (const i of result.incidents) incidents.set(i.id, i);
        }
        const out1 = result.events.map((e) => alertMessage(e, incidents, msg as PipelineTiming));
        const out2 = result.notifications.map(notificationMessage);
        const out3 = result.resolved.map((e) => alertMessage(e, incidents, msg as PipelineTiming));
        // Operator actions are saved at once; detections on the timer (see SAVE_INTERVAL_MS).
        if (isControl) save();
        else dirty = true;
        // The status shows counts: refreshed at most once per STATUS_INTERVAL_MS (the timer shows the last change).
        statusDirty = true;
        if (isControl || Date.now() - lastStatusMs >= STATUS_INTERVAL_MS) updateStatus();
        if (out1.length + out2.length + out3.length > 0) send([out1, out2, out3]);
        if (result.invalid.length > 0) {
          const first = result.invalid[0];
          done(
            new InputError(
              'invalid_detection',
              `${result.invalid.length} of ${total} detections skipped (first: ${first.message})`,
            ),
          );
          return;
        }
        done();
      } catch (err) {
        lastStatusText = ''; // reportError may have replaced the status: the next summary shows again
        reportError(node, err, done);
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (removed) stateStore().set(stateKey, undefined);
      else save();
      done();
    });
  }

  RED.nodes.registerType('lucid-route', LucidRouteNode, {
    credentials: { webhookSecret: { type: 'password' } },
  });
};
