export * from './order';
export * from './artifacts';
export { decideInfra, fingerprintOf, infraStepIo, recordLocation, runInfraStep, appliedRecordSchema } from './infra-step';
export type { AppliedRecord, InfraDecision, InfraStepIo } from './infra-step';
export { flowsApplyRun, publishRun, readApiAuth, runStep } from './steps';
export { DEPLOYER_CONTAINER, deployerTaskRun, runDeployerTask } from './deployer-task';
export type { StepContext } from './steps';
export { affectedDeployProjects, main } from './cli';
export type { DeployIo } from './cli';
