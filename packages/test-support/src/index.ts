export * from './services';
export * from './private-emulator';
export * from './platform-outputs';
