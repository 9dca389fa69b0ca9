export * from './platform-snapshot';
export * from './read-only';
export * from './pinned-images';
export * from './deployer-plan';
export * from './snapshot';
export * from './server';
export * from './run';
