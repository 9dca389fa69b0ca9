import { requireService, startPrivateAwsEmulator, PrivateEmulator } from '../src';

/**
 * The emulator launcher adds Step Functions' ValidateStateMachineDefinition, which moto 5.2.1
 * answers with HTTP 500 and terraform-provider-aws calls before creating a state machine (the
 * rehearsal spent its whole 40 minutes retrying it), and Application Auto Scaling's tagging calls,
 * without which no scalable target (dev's schedule) can be applied.
 */
/** How each API is addressed in its JSON protocol. */
const STEP_FUNCTIONS = { json: '1.0', target: 'AWSStepFunctions', scope: 'states' };
const AUTO_SCALING = { json: '1.1', target: 'AnyScaleFrontendService', scope: 'application-autoscaling' };

describe('the AWS emulator launcher', () => {
  const python = requireService('MOTO_PYTHON', 'run `eval "$(scripts/test-services.sh env)"` (moto)');
  const run = python ? it : it.skip;
  let emulator: PrivateEmulator | undefined;
  afterAll(async () => emulator?.stop());

  /** One Step Functions call in its JSON 1.0 protocol, signed only enough for moto to pick a region. */
  async function call(action: string, input: object, api = STEP_FUNCTIONS): Promise<{ status: number; body: any }> {
    emulator ??= await startPrivateAwsEmulator();
    const res = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'content-type': `application/x-amz-json-${api.json}`,
        'x-amz-target': `${api.target}.${action}`,
        'authorization': `AWS4-HMAC-SHA256 Credential=test/20261129/eu-west-2/${api.scope}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: await res.json() };
  }
  const validate = (definition: string) => call('ValidateStateMachineDefinition', { definition, type: 'STANDARD' });
  const pass = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });

  run('answers OK for a valid definition', async () => {
    const definition = JSON.stringify({ StartAt: 'Roll', States: { Roll: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:ecs:updateService', End: true } } });
    await expect(validate(definition)).resolves.toEqual({ status: 200, body: { result: 'OK', diagnostics: [], truncated: false } });
  }, 60_000);

  run('answers FAIL with located diagnostics, like the real API', async () => {
    const definition = JSON.stringify({ StartAt: 'Missing', States: { Roll: { Type: 'Tusk', End: true } } });
    const { status, body } = await validate(definition);
    expect(status).toBe(200);
    expect(body.result).toBe('FAIL');
    expect(body.diagnostics.map((d: { code: string; location: string }) => [d.code, d.location])).toEqual([
      ['SCHEMA_VALIDATION_FAILED', '/StartAt'],
      ['SCHEMA_VALIDATION_FAILED', '/States/Roll/Type'],
    ]);
    await expect(validate('{not json')).resolves.toMatchObject({ body: { result: 'FAIL', diagnostics: [{ code: 'INVALID_JSON_DESCRIPTION', location: '/' }] } });
  }, 60_000);

  run('lists a state machine\'s published versions, newest first (none when never published)', async () => {
    const role = 'arn:aws:iam::123456789012:role/sfn';
    const plain = await call('CreateStateMachine', { name: 'plain', definition: pass, roleArn: role });
    await expect(call('ListStateMachineVersions', { stateMachineArn: plain.body.stateMachineArn })).resolves.toEqual({ status: 200, body: { stateMachineVersions: [] } });

    const published = await call('CreateStateMachine', { name: 'published', definition: pass, roleArn: role, publish: true });
    await call('UpdateStateMachine', { stateMachineArn: published.body.stateMachineArn, definition: pass, publish: true });
    const { status, body } = await call('ListStateMachineVersions', { stateMachineArn: published.body.stateMachineArn });
    expect(status).toBe(200);
    expect(body.stateMachineVersions.map((v: { stateMachineVersionArn: string }) => v.stateMachineVersionArn)).toEqual([
      `${published.body.stateMachineArn}:2`,
      `${published.body.stateMachineArn}:1`,
    ]);
    expect(typeof body.stateMachineVersions[0].creationDate).toBe('number');
  }, 60_000);
  run('keeps a scalable target\'s tags (terraform reads them after every create; moto 5.2.1 has no tagging calls)', async () => {
    // moto checks that an ECS service exists; a table target needs nothing else to exist.
    const target = { ServiceNamespace: 'dynamodb', ResourceId: 'table/runs', ScalableDimension: 'dynamodb:table:ReadCapacityUnits' };
    const registered = await call('RegisterScalableTarget', { ...target, MinCapacity: 1, MaxCapacity: 5, Tags: { environment: 'dev' } }, AUTO_SCALING);
    expect(registered).toMatchObject({ status: 200 });
    const arn = registered.body.ScalableTargetARN as string;
    expect(arn).toMatch(/^arn:aws:application-autoscaling:eu-west-2:\d{12}:scalable-target\//);
    await expect(call('ListTagsForResource', { ResourceARN: arn }, AUTO_SCALING)).resolves.toEqual({ status: 200, body: { Tags: { environment: 'dev' } } });

    await call('TagResource', { ResourceARN: arn, Tags: { owner: 'data' } }, AUTO_SCALING);
    await call('UntagResource', { ResourceARN: arn, TagKeys: ['environment'] }, AUTO_SCALING);
    await expect(call('ListTagsForResource', { ResourceARN: arn }, AUTO_SCALING)).resolves.toEqual({ status: 200, body: { Tags: { owner: 'data' } } });

    await call('DeregisterScalableTarget', target, AUTO_SCALING);
    await expect(call('ListTagsForResource', { ResourceARN: arn }, AUTO_SCALING)).resolves.toMatchObject({ status: 400, body: { __type: 'ResourceNotFoundException' } });
  }, 60_000);
});
