import { dev } from './dev';
import { prod } from './prod';
import { staging } from './staging';
import type { EnvironmentName, PlatformConfigInput } from '../schema';

/** The committed settings of every environment, before overrides and validation. */
export const ENVIRONMENT_INPUTS: Readonly<Record<EnvironmentName, PlatformConfigInput>> = { dev, staging, prod };
export { defaultsFor, mergeDeep, PROJECT } from './base';
export type { DeepPartial } from './base';
