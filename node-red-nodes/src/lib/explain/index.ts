/** The explanation engine of `lucid-explain`. */
export * from './explainer';
export * from './classify-anomaly';
export * from './format';
export * from './playbook';
export * from './playbook-library';
export * from './rank-causes';
export * from './related-anomaly-memory';
export * from './term-match';
export * from './device-episodes';
export * from './metric-movement';
export * from './read-evidence';
export * from './describe-anomaly';
export * from './select-actions';
export * from './explain-context';
