import { dev } from './dev';
import { prod } from './prod';
import { staging } from './staging';
import type { EnvironmentName, PlatformConfigInput } from '../schema';
import type { EnvironmentBuilder } from './base';

/** Builders of every environment's settings, for the committed or an overridden account/region. */
export const ENVIRONMENT_BUILDERS: Readonly<Record<EnvironmentName, EnvironmentBuilder>> = { dev, staging, prod };

/** The committed settings of every environment, before overrides and validation. */
export const ENVIRONMENT_INPUTS: Readonly<Record<EnvironmentName, PlatformConfigInput>> = {
  dev: dev(),
  staging: staging(),
  prod: prod(),
};
export { defaultsFor, mergeDeep, PROJECT } from './base';
export type { DeepPartial, EnvironmentBuilder } from './base';
