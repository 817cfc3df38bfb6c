import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { signWebhook } from '../../lib/signing/webhook-signature';
import { toItems } from '../../lib/batch';
import { ConfigError, InputError } from '../../lib/contracts/errors';
import type { AlertEvent, Incident, Notification } from '../../lib/contracts/types';
import { AlertRouter, type RouteResult } from '../../lib/route/alert-router';
import type { RouteOptions } from '../../lib/route/route-options';
import { resolveFleet } from '../shared/fleet-config';
import { configErrorStatus, reportError } from '../shared/node-status';
import { optionsFromConfig, STATE_KEY, type RouteNodeDef } from './route-config';

type RouteMsg = NodeMessageInFlow & { silence?: unknown; adaptation?: unknown };

export = function (RED: NodeAPI) {
  function LucidRouteNode(this: Node, config: RouteNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let router: AlertRouter | undefined;
    let options: RouteOptions | undefined;
    let configError: Error | undefined;
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
      router ??= new AlertRouter(options, registry);
      updateStatus();
    } catch (err) {
      configError = err instanceof Error ? err : new Error(String(err));
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    function updateStatus(): void {
      if (!router) return;
      const s = router.stats();
      const text = RED._('lucid-route.status.summary', { open: s.openAlerts, incidents: s.openIncidents, notified: s.notifications, held: s.dropped });
      node.status({ fill: s.openAlerts > 0 ? 'yellow' : 'green', shape: 'dot', text });
    }

    function save(): void {
      if (router) stateStore().set(stateKey, router.snapshot());
    }

    function alertMessage(event: AlertEvent, incidents: Map<string, Incident>): NodeMessage {
      const a = event.alert;
      return {
        topic: `tenants/${a.tenant ?? 'default'}/alerts/${a.severity}/${a.deviceId}`,
        payload: a,
        event,
        incident: incidents.get(a.incidentId) ?? null,
      } as NodeMessage;
    }

    const webhookSecret = (node as unknown as { credentials?: { webhookSecret?: string } }).credentials?.webhookSecret ?? '';

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

    node.on('input', (msg: RouteMsg, send, done) => {
      try {
        if (!router) throw configError ?? new ConfigError('lucid-route is not configured');
        const result: RouteResult = { events: [], notifications: [], resolved: [], incidents: [], invalid: [] };
        const isControl = msg.silence !== undefined || msg.adaptation !== undefined;
        if (msg.silence !== undefined) {
          const s = msg.silence as { id?: unknown; remove?: unknown } | null;
          if (s && typeof s === 'object' && s.remove === true) {
            if (typeof s.id !== 'string' || !s.id) throw new InputError('invalid_silence', `silence.id: expected the id of the silence to remove, got ${JSON.stringify(s.id)}`);
            router.removeSilence(s.id);
          } else {
            result.events.push(...router.addSilence(s).events);
          }
        }
        if (msg.adaptation !== undefined) {
          result.events.push(...router.applyAdaptation(msg.adaptation).events);
        }
        let total = 0;
        if (!isControl) {
          const items = toItems<unknown>(msg.payload);
          total = items.length;
          const routed = router.route(items);
          result.events.push(...routed.events);
          result.notifications.push(...routed.notifications);
          result.resolved.push(...routed.resolved);
          result.incidents.push(...routed.incidents);
          result.invalid.push(...routed.invalid);
        }
        const incidents = new Map<string, Incident>(router.openIncidents().map((i) => [i.id, i]));
        for (const i of result.incidents) incidents.set(i.id, i);
        const out1 = result.events.map((e) => alertMessage(e, incidents));
        const out2 = result.notifications.map(notificationMessage);
        const out3 = result.resolved.map((e) => alertMessage(e, incidents));
        save();
        updateStatus();
        if (out1.length + out2.length + out3.length > 0) send([out1, out2, out3]);
        if (result.invalid.length > 0) {
          const first = result.invalid[0];
          done(new InputError('invalid_detection', `${result.invalid.length} of ${total} detections skipped (first: ${first.message})`));
          return;
        }
        done();
      } catch (err) {
        reportError(node, err, done);
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      if (removed) stateStore().set(stateKey, undefined);
      else save();
      done();
    });
  }

  RED.nodes.registerType('lucid-route', LucidRouteNode, { credentials: { webhookSecret: { type: 'password' } } });
};
