export * from './services';
export * from './private-emulator';
