export * from './downsample';
export * from './migrations';
export * from './open-alert-store';
export * from './pg-engine';
export * from './sql-alert-store';
export * from './sql-engine';
export * from './sqlite-engine';
export * from './store-types';
