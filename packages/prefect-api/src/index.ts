export * from './document';
export * from './errors';
export * from './settings';
export * from './client';
export * from './retry';
export * from './semaphore';
export * from './health';
export type { components, operations, paths } from './generated/prefect-3.8.3';
