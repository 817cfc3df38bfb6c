export * from './canonical-json';
export * from './sha256-hex';
export * from './signing-keys';
export * from './webhook-signature';
export * from './audit-chain';
export * from './audit-checkpoint';
