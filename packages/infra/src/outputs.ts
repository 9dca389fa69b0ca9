// The contracts live in config, the one source both infra and its consumers read.
export { bootstrapOutputsSchema, platformOutputsSchema } from '@blog-data/config';
export type { BootstrapOutputs, PlatformOutputName, PlatformOutputs } from '@blog-data/config';
