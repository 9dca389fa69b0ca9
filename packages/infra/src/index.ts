export { buildApp, stackNames } from './app';
export type { BuildAppOptions, PlatformApp } from './app';
export { BootstrapStack } from './stacks/bootstrap-stack';
export { PlatformStack, DEPLOYER_IMAGE_TAG } from './stacks/platform-stack';
export type { BackendKind, StackSettings } from './stacks/stack-settings';
export { PLATFORM_OUTPUTS, BOOTSTRAP_OUTPUTS } from './outputs';
