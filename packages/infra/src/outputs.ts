// The contract lives in config, the one source both infra and its consumers read.
export { BOOTSTRAP_OUTPUTS, PLATFORM_OUTPUTS } from '@blog-data/config';
export type { PlatformOutputName } from '@blog-data/config';
