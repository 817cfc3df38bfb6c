#!/usr/bin/env node
/**
 * Container health check: the pipeline is healthy when the store API answers `GET /lucid/api/health`
 * with 200 (Node-RED is up, the flow is deployed and the store is open); the simulator when
 * Node-RED's HTTP server answers. Exit code 0 = healthy, 1 = not.
 */
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT || 1880);
const path = process.env.LUCID_FLOW === 'simulator' ? '/settings' : '/lucid/api/health';
const req = http.get({ host: '127.0.0.1', port, path, timeout: 4000 }, (res) => {
  res.resume();
  // The simulator's admin API is disabled (headless): any HTTP answer means Node-RED is serving.
  const ok = process.env.LUCID_FLOW === 'simulator' ? res.statusCode > 0 : res.statusCode === 200;
  process.exit(ok ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
