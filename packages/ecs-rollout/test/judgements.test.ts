import type { Service, Task } from '@aws-sdk/client-ecs';
import { judgeRollout, judgeStoppedTask } from '../src';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/prefect-dev/0123abcd';
const stopped = (extra: Partial<Task>, container: Record<string, unknown> = {}): Task => ({
  taskArn: ARN,
  lastStatus: 'STOPPED',
  containers: [{ name: 'prefect-migrate', ...container }],
  ...extra,
});

describe('judgeStoppedTask', () => {
  it.each<[string, Task, boolean, RegExp]>([
    ['exit 0 after the essential container finished', stopped({ stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' }, { exitCode: 0 }), true, /exited 0/],
    ['a migration error (exit 1)', stopped({ stopCode: 'EssentialContainerExited' }, { exitCode: 1 }), false, /exited 1 \(EssentialContainerExited\)/],
    ['OOM-killed (137)', stopped({ stopCode: 'EssentialContainerExited' }, { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }), false, /exited 137.*OutOfMemory/],
    ['never started (image pull)', stopped({ stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull image manifest has been retried' }), false, /did not run to completion \(TaskFailedToStart: CannotPullContainerError/],
    ['stopped by a person, even with exit 0', stopped({ stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }, { exitCode: 0 }), false, /did not run to completion \(UserInitiated/],
    ['no exit code reported', stopped({}), false, /no exit code/],
  ])('%s', (_name, task, ok, summary) => {
    const outcome = judgeStoppedTask(task, 'prefect-migrate');
    expect(outcome.ok).toBe(ok);
    expect(outcome.summary).toMatch(summary);
    expect(outcome.taskArn).toBe(ARN);
  });

  it('fails when the named container is not in the task', () => {
    const outcome = judgeStoppedTask(stopped({}, { exitCode: 0 }), 'prefect-server');
    expect(outcome).toMatchObject({ ok: false, summary: 'task 0123abcd has no container "prefect-server"' });
  });
});

describe('judgeRollout', () => {
  const service = (deployments: Service['deployments']): Service => ({ serviceName: 'prefect-server', deployments });
  it.each<[string, Service, 'in-progress' | 'completed' | 'failed', RegExp]>([
    ['completed by ECS', service([{ id: 'd2', status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: 1, desiredCount: 1 }]), 'completed', /1\/1 running/],
    ['still starting', service([{ id: 'd2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', runningCount: 0, desiredCount: 1, pendingCount: 1 }, { id: 'd1', status: 'ACTIVE', runningCount: 0 }]), 'in-progress', /0\/1 running, 1 pending/],
    ['failed by the circuit breaker', service([{ id: 'd2', status: 'PRIMARY', rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', runningCount: 0, desiredCount: 1, failedTasks: 3 }]), 'failed', /3 failed: ECS deployment circuit breaker/],
    ['rolled back (our deployment is gone)', service([{ id: 'd1', status: 'PRIMARY', taskDefinition: 'td:1', rolloutState: 'IN_PROGRESS' }]), 'failed', /d2 was replaced by d1 \(td:1\)/],
    ['no rolloutState, only deployment, counts match (emulator)', service([{ id: 'd2', status: 'PRIMARY', runningCount: 1, desiredCount: 1 }]), 'completed', /1\/1/],
    ['no rolloutState, old deployment still draining', service([{ id: 'd2', status: 'PRIMARY', runningCount: 1, desiredCount: 1 }, { id: 'd1', status: 'ACTIVE' }]), 'in-progress', /1\/1/],
    ['scaled to zero', service([{ id: 'd2', status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: 0, desiredCount: 0 }]), 'completed', /0\/0/],
  ])('%s', (_name, svc, status, summary) => {
    const state = judgeRollout(svc, 'd2');
    expect(state.status).toBe(status);
    expect(state.summary).toMatch(summary);
  });
});
