export * from './contract-server';
export { FALLBACK_HEARTBEAT_INTERVAL_SECONDS, INACTIVITY_HEARTBEAT_MULTIPLE, WorkerRegistry } from './workers';
export * from './misbehaving-server';
