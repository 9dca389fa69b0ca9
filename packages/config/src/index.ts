export * from './schema';
export * from './load';
export { PARSE_ONCE } from './parse-once';
export * from './derived';
export { scheduleDays, scheduledHoursPerWeek } from './schedule';
export { OVERRIDE_PREFIX, ENV_SELECTOR, readOverrides, applyOverrides } from './overrides';
export type { AppliedOverrides, ConfigOverride } from './overrides';
export { ENVIRONMENT_BUILDERS, ENVIRONMENT_INPUTS, defaultsFor, mergeDeep, PROJECT } from './environments';
export type { DeepPartial, EnvironmentBuilder } from './environments';
export {
  bootstrapOutputsSchema,
  flattenTerraformOutputs,
  IMAGE_DIGEST,
  imageResultSchema,
  outputDescription,
  parseContract,
  parseInfraOutputs,
  platformOutputsSchema,
  readImageResultFile,
  readInfraOutputsFile,
  readJsonFile,
} from './outputs';
export type { BootstrapOutputName, BootstrapOutputs, ContractKind, ImageResult, PlatformOutputName, PlatformOutputs } from './outputs';
export { assertRealIdentities, IDENTITIES_FILE, placeholderIdentities } from './real-identities';
export { IDENTITIES } from './environments/identities';
