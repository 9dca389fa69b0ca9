export { buildApp, stackNames } from './app';
export type { BuildAppOptions, PlatformApp } from './app';
export { BootstrapStack } from './stacks/bootstrap-stack';
export { PlatformStack } from './stacks/platform-stack';
export { DEPLOYER_IMAGE, withPublishedDigests } from './image-results';
export type { BackendKind, StackSettings } from './stacks/stack-settings';
export { bootstrapOutputsSchema, platformOutputsSchema } from './outputs';
