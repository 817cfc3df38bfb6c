export * from './detect-config';
export * from './tail-probability';
export * from './robust-window';
export * from './metric-series';
export * from './streaming-detector';
export * from './clock-jump-guard';
