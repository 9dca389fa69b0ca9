export * from './services';
export * from './private-emulator';
export * from './platform-outputs';
export { noteSkip, formatSkipSummary, readSkipNotes, SKIP_LOG_VARIABLE } from './skip-reporter';
export type { SkipNote } from './skip-reporter';
export * from './ports';
