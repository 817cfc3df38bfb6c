import { configNumber } from '../shared/config-number';
import { basename, isAbsolute, resolve } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { ConfigError, InputError } from '../../lib/contracts/errors';
import { RECORDING_FORMATS, type RecordingFormat } from '../../lib/replay/recording-format';
import { deviceIdFromPath } from '../../lib/replay/replay-device-id';
import { ReplayRunner, type ReplayBatch } from '../../lib/replay/replay-runner';
import { isTopicLevel, telemetryTopic } from '../../lib/simulate/telemetry-topic';
import { configErrorStatus } from '../shared/node-status';

interface ReplayNodeDef extends NodeDef {
  file: string;
  format: 'auto' | RecordingFormat;
  deviceId: string;
  speed: string | number;
  batchSize: string | number;
  output: 'mqtt' | 'readings';
  timestamps: 'now' | 'file';
  tenant: string;
  autoStart: boolean;
}

export = function (RED: NodeAPI) {
  function LucidReplayNode(this: Node, config: ReplayNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let runner: ReplayRunner | undefined;
    let configError: Error | undefined;
    let lastStatusMs = 0;
    let rows = 0;
    let percent = 0;
    let batchSize = 1;
    const output = config.output === 'readings' ? 'readings' : 'mqtt';
    const tenant = (config.tenant ?? '').trim() || 'demo';
    const file = (config.file ?? '').trim();

    let resolvedPath = '';
    const failed = (err: Error) => {
      // The status shows the file's name, not its full path, so the reason stays readable.
      const text = resolvedPath ? err.message.split(resolvedPath).join(basename(resolvedPath)) : err.message;
      node.status({
        fill: 'red',
        shape: err instanceof ConfigError ? 'ring' : 'dot',
        text: text.slice(0, 60),
      });
    };

    const showProgress = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastStatusMs < 1000) return;
      lastStatusMs = now;
      const text = RED._('lucid-replay.status.progress', { percent: percent.toFixed(0), rows });
      node.status({
        fill: runner?.running ? 'green' : 'grey',
        shape: runner?.running ? 'dot' : 'ring',
        text,
      });
    };

    const toMessage = (batch: ReplayBatch): NodeMessage => {
      const single = batchSize === 1;
      const recorded = batch.rows.map((r) => ({
        index: r.index,
        line: r.line,
        timestamp: r.timestamp,
        ...(r.labels ? { labels: r.labels } : {}),
      }));
      const deviceId = batch.readings[0].deviceId;
      let payload: unknown;
      if (output === 'mqtt') {
        const items = batch.readings.map((r) => ({ ts: r.tsMs, metrics: r.metrics }));
        payload = single ? items[0] : items;
      } else {
        payload = single ? batch.readings[0] : batch.readings;
      }
      return {
        topic: telemetryTopic(tenant, deviceId),
        payload,
        recorded: single ? recorded[0] : recorded,
      } as NodeMessage;
    };

    try {
      if (!file) throw new ConfigError('file: a path to a CSV file is required');
      if (!isTopicLevel(tenant))
        throw new ConfigError(`tenant: "${tenant}" cannot be an MQTT topic level (no /, + or #)`);
      const format = config.format || 'auto';
      if (format !== 'auto' && !RECORDING_FORMATS.includes(format)) {
        throw new ConfigError(`format: expected auto, ${RECORDING_FORMATS.join(', ')}, got "${format}"`);
      }
      const path = isAbsolute(file) ? file : resolve(RED.settings.userDir ?? process.cwd(), file);
      resolvedPath = path;
      const deviceId = (config.deviceId ?? '').trim() || deviceIdFromPath(path);
      if (!isTopicLevel(deviceId))
        throw new ConfigError(`deviceId: "${deviceId}" cannot be an MQTT topic level (no /, + or #)`);
      runner = new ReplayRunner({
        path,
        recording: { format },
        deviceId,
        tenant,
        speed: configNumber('speed', config.speed, 0),
        batchSize: (batchSize = configNumber('batchSize', config.batchSize, 1)),
        timestamps: config.timestamps === 'file' ? 'file' : 'now',
        onBatch: (batch) => {
          rows = batch.progress.rows;
          percent = batch.progress.percent;
          node.send([toMessage(batch), null]);
          showProgress(false);
        },
        onEnd: (summary) => {
          percent = 100;
          node.status({
            fill: 'green',
            shape: 'ring',
            text: RED._('lucid-replay.status.done', { rows: summary.rows }),
          });
          node.send([null, { payload: summary, complete: true } as NodeMessage]);
        },
        onError: (err) => {
          failed(err);
          node.error(err, {
            payload: { file: path, deviceId },
            error: { code: (err as InputError).code, detail: err.message },
          } as NodeMessage);
        },
      });
      node.status({ fill: 'grey', shape: 'ring', text: RED._('lucid-replay.status.ready') });
      if (config.autoStart !== false) {
        runner
          .start()
          .then(() => showProgress(true))
          .catch((err: Error) => {
            failed(err);
            node.error(err);
          });
      }
    } catch (err) {
      configError = err as Error;
      node.status(configErrorStatus(configError.message));
      node.error(configError.message);
    }

    node.on('input', (msg, _send, done) => {
      const command = typeof msg.payload === 'string' ? msg.payload.trim().toLowerCase() : '';
      const fail = (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        if (!(error instanceof InputError && error.code === 'unknown_command')) failed(error);
        done(error);
      };
      if (configError || !runner) return fail(configError ?? new ConfigError('lucid-replay: not configured'));
      if (command === 'start') {
        runner.start().then(() => {
          showProgress(true);
          done();
        }, fail);
      } else if (command === 'stop') {
        runner.stop();
        showProgress(true);
        done();
      } else {
        fail(
          new InputError(
            'unknown_command',
            `msg.payload: expected "start" or "stop", got ${JSON.stringify(msg.payload)}`,
          ),
        );
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      const closing = runner ? runner.dispose() : Promise.resolve();
      closing
        .catch(() => undefined)
        .then(() => {
          node.status({});
          done();
        });
    });
  }
  RED.nodes.registerType('lucid-replay', LucidReplayNode);
};
