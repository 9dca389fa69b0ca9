export * from './contract-server';
