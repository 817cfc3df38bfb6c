export * from './api-auth';
export * from './api-router';
export * from './api-schemas';
export * from './api-token';
export * from './lucid-metrics';
export * from './openapi';
