export * from './types';
export * from './fleet';
export * from './errors';
export * from './ids';
