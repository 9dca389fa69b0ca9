export * from './schema';
export * from './load';
export * from './derived';
export { OVERRIDE_PREFIX, ENV_SELECTOR, readOverrides, applyOverrides } from './overrides';
export type { ConfigOverride } from './overrides';
export { ENVIRONMENT_BUILDERS, ENVIRONMENT_INPUTS, defaultsFor, mergeDeep, PROJECT } from './environments';
export type { DeepPartial, EnvironmentBuilder } from './environments';
export { BOOTSTRAP_OUTPUTS, flattenTerraformOutputs, PLATFORM_OUTPUTS } from './outputs';
export type { PlatformOutputName } from './outputs';
