export * from './adaptation-policy';
