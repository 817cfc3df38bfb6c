/** Public library entry point of node-red-contrib-lucid: the pure core, usable without Node-RED. */
export * from './contracts';
export * from './fleet/fleet-registry';
