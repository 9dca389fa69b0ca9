import { requireService, startPrivateAwsEmulator, PrivateEmulator } from '../src';

/**
 * The emulator launcher adds Step Functions' ValidateStateMachineDefinition, which moto 5.2.1
 * answers with HTTP 500 and terraform-provider-aws calls before creating a state machine (the
 * rehearsal spent its whole 40 minutes retrying it), and Application Auto Scaling's tagging calls,
 * without which no scalable target (dev's schedule) can be applied, and ElastiCache's user groups and
 * serverless caches, without which the scale-out mode's Redis cannot be applied.
 */
/** How each API is addressed in its JSON protocol. */
const STEP_FUNCTIONS = { json: '1.0', target: 'AWSStepFunctions', scope: 'states' };
const AUTO_SCALING = { json: '1.1', target: 'AnyScaleFrontendService', scope: 'application-autoscaling' };
const ECR = { json: '1.1', target: 'AmazonEC2ContainerRegistry_V20150921', scope: 'ecr' };

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
  /** One ElastiCache call in its Query protocol (form in, XML out), as terraform's provider makes it. */
  async function query(action: string, params: Record<string, string> = {}, scope = 'elasticache', version = '2015-02-02'): Promise<{ status: number; xml: string }> {
    emulator ??= await startPrivateAwsEmulator();
    const res = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'authorization': `AWS4-HMAC-SHA256 Credential=test/20261129/eu-west-2/${scope}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ Action: action, Version: version, ...params }),
    });
    return { status: res.status, xml: await res.text() };
  }
  /** The text of every `<tag>` element, in order. */
  const texts = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
  /** The members of a list element such as `<UserIds><member>…</member></UserIds>`. */
  const members = (xml: string, list: string) => texts(new RegExp(`<${list}>([\\s\\S]*?)</${list}>`).exec(xml)?.[1] ?? '', 'member');
  /** Status and error code of a failed call, or status and `ok`. */
  const outcome = ({ status, xml }: { status: number; xml: string }) => `${status} ${texts(xml, 'Code')[0] ?? 'ok'}`;
  const user = (id: string, name: string, auth: Record<string, string>) =>
    query('CreateUser', { UserId: id, UserName: name, Engine: 'valkey', AccessString: name === 'default' ? 'off -@all' : 'on ~* +@all', ...auth });
  const withPassword = { 'AuthenticationMode.Type': 'password', 'AuthenticationMode.Passwords.member.1': 'a-password-of-20-chars' };
  const userIds = (key: string, ids: string[]) => Object.fromEntries(ids.map((id, i) => [`${key}.member.${i + 1}`, id]));

  const validate = (definition: string) => call('ValidateStateMachineDefinition', { definition, type: 'STANDARD' });
  const pass = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });

  run('dates ECR authorization tokens 12 hours ahead, as ECR does (moto says 2015)', async () => {
    const before = Date.now() / 1000;
    const { status, body } = await call('GetAuthorizationToken', {}, ECR);
    expect(status).toBe(200);
    const expiresAt = body.authorizationData[0].expiresAt as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 12 * 3600 - 5);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 12 * 3600 + 5);
  }, 60_000);

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

  run('keeps ElastiCache user groups with the real service\'s first checks (moto 5.2.1 has none)', async () => {
    await user('ug-default', 'default', withPassword);
    await user('ug-open-default', 'default', { 'AuthenticationMode.Type': 'no-password-required' });
    await user('ug-app', 'prefect', withPassword);
    await user('ug-other', 'other', withPassword);
    const create = (ids: string[], engine = 'valkey') => query('CreateUserGroup', { 'UserGroupId': 'ug', 'Engine': engine, ...userIds('UserIds', ids), 'Tags.Tag.1.Key': 'environment', 'Tags.Tag.1.Value': 'dev' });
    // A user named `default` must be in the group; a valkey group admits only users that authenticate.
    expect(outcome(await create(['ug-app']))).toBe('400 DefaultUserRequired');
    expect(outcome(await create(['ug-open-default', 'ug-app']))).toBe('400 InvalidParameterValue');
    expect(outcome(await create(['ug-open-default', 'ug-app'], 'redis'))).toBe('200 ok');
    await query('DeleteUserGroup', { UserGroupId: 'ug' });
    expect(outcome(await create(['ug-default', 'ug-default', 'ug-missing']))).toBe('404 UserNotFound');
    expect(outcome(await create(['ug-default', 'ug-open-default']))).toBe('400 DuplicateUserName');

    const created = await create(['ug-default', 'ug-app']);
    expect(outcome(created)).toBe('200 ok');
    expect(created.xml).toContain('<CreateUserGroupResult>');
    const arn = texts(created.xml, 'ARN')[0];
    expect(arn).toBe('arn:aws:elasticache:eu-west-2:123456789012:usergroup:ug');
    expect([texts(created.xml, 'Status')[0], texts(created.xml, 'Engine')[0], ...members(created.xml, 'UserIds')]).toEqual(['active', 'valkey', 'ug-default', 'ug-app']);
    expect(outcome(await create(['ug-default']))).toBe('400 UserGroupAlreadyExists');
    const tags = await query('ListTagsForResource', { ResourceName: arn });
    expect([texts(tags.xml, 'Key'), texts(tags.xml, 'Value')]).toEqual([['environment'], ['dev']]);
    // Users report the groups that hold them.
    expect(members((await query('DescribeUsers', { UserId: 'ug-app' })).xml, 'UserGroupIds')).toEqual(['ug']);

    expect(outcome(await query('ModifyUserGroup', { UserGroupId: 'ug', ...userIds('UserIdsToRemove', ['ug-default']) }))).toBe('400 DefaultUserRequired');
    const modified = await query('ModifyUserGroup', { UserGroupId: 'ug', ...userIds('UserIdsToAdd', ['ug-other']), ...userIds('UserIdsToRemove', ['ug-app']) });
    expect(members(modified.xml, 'UserIds')).toEqual(['ug-default', 'ug-other']);
    expect(members((await query('DescribeUserGroups', { UserGroupId: 'ug' })).xml, 'UserIds')).toEqual(['ug-default', 'ug-other']);

    const deleted = await query('DeleteUserGroup', { UserGroupId: 'ug' });
    expect(texts(deleted.xml, 'Status')).toEqual(['deleting']);
    // Gone: the fault terraform's delete waiter ends on (UserGroupNotFound, HTTP 404).
    expect(outcome(await query('DescribeUserGroups', { UserGroupId: 'ug' }))).toBe('404 UserGroupNotFound');
    expect(outcome(await query('ListTagsForResource', { ResourceName: arn }))).toBe('404 UserGroupNotFound');
  }, 60_000);

  run('keeps ElastiCache serverless caches on a user group (moto 5.2.1 has none)', async () => {
    await user('sc-default', 'default', withPassword);
    await query('CreateUserGroup', { UserGroupId: 'sc-users', Engine: 'valkey', ...userIds('UserIds', ['sc-default']) });
    const subnets = texts((await query('DescribeSubnets', {}, 'ec2', '2016-11-15')).xml, 'subnetId').slice(0, 2);
    expect(subnets).toHaveLength(2);
    const cache = (group: string, subnetIds: string[]) => query('CreateServerlessCache', {
      'ServerlessCacheName': 'sc',
      'Engine': 'valkey',
      'MajorEngineVersion': '8',
      'UserGroupId': group,
      ...Object.fromEntries(subnetIds.map((id, i) => [`SubnetIds.SubnetId.${i + 1}`, id])),
      'SecurityGroupIds.SecurityGroupId.1': 'sg-0123456789abcdef0',
      'CacheUsageLimits.DataStorage.Maximum': '1',
      'CacheUsageLimits.DataStorage.Unit': 'GB',
      'CacheUsageLimits.ECPUPerSecond.Maximum': '5000',
      'DailySnapshotTime': '03:00',
      'SnapshotRetentionLimit': '1',
    });
    expect(outcome(await cache('no-such-group', subnets))).toBe('404 UserGroupNotFound');
    expect(outcome(await cache('sc-users', ['subnet-00000000000000000']))).toBe('400 InvalidSubnet');

    const created = await cache('sc-users', subnets);
    expect(outcome(created)).toBe('200 ok');
    expect(created.xml).toContain('<CreateServerlessCacheResult>');
    expect(texts(created.xml, 'Status')).toEqual(['available']);
    expect(texts(created.xml, 'FullEngineVersion')).toEqual(['8.0']);
    expect(texts(created.xml, 'Address')[0]).toMatch(/^sc-[a-z0-9]{6}\.serverless\.eu-west-2\.cache\.amazonaws\.com$/);
    expect(texts(created.xml, 'Port')).toEqual(['6379', '6380']);
    expect(texts(created.xml, 'Maximum')).toEqual(['1', '5000']);
    expect(texts(created.xml, 'SecurityGroupId')).toEqual(['sg-0123456789abcdef0']);
    expect(texts(created.xml, 'SubnetId')).toEqual(subnets);
    expect(texts(created.xml, 'ARN')).toEqual(['arn:aws:elasticache:eu-west-2:123456789012:serverlesscache:sc']);
    expect(outcome(await cache('sc-users', subnets))).toBe('400 ServerlessCacheAlreadyExistsFault');

    // The group reports the cache that uses it, and cannot be deleted while it does.
    expect(members((await query('DescribeUserGroups', { UserGroupId: 'sc-users' })).xml, 'ServerlessCaches')).toEqual(['sc']);
    expect(outcome(await query('DeleteUserGroup', { UserGroupId: 'sc-users' }))).toBe('400 InvalidUserGroupState');

    const modified = await query('ModifyServerlessCache', { 'ServerlessCacheName': 'sc', 'Description': 'Prefect', 'CacheUsageLimits.ECPUPerSecond.Maximum': '10000' });
    expect([texts(modified.xml, 'Description'), texts(modified.xml, 'Maximum')]).toEqual([['Prefect'], ['10000']]);
    expect(texts((await query('DescribeServerlessCaches', { ServerlessCacheName: 'sc' })).xml, 'Description')).toEqual(['Prefect']);

    expect(texts((await query('DeleteServerlessCache', { ServerlessCacheName: 'sc' })).xml, 'Status')).toEqual(['deleting']);
    expect(outcome(await query('DescribeServerlessCaches', { ServerlessCacheName: 'sc' }))).toBe('404 ServerlessCacheNotFoundFault');
    expect(outcome(await query('DeleteUserGroup', { UserGroupId: 'sc-users' }))).toBe('200 ok');
  }, 60_000);

  run('refuses a replication group whose user group does not exist (moto 5.2.1 stores any id)', async () => {
    const group = { ReplicationGroupId: 'rg', ReplicationGroupDescription: 'Prefect', Engine: 'valkey', CacheNodeType: 'cache.t4g.micro', TransitEncryptionEnabled: 'true' };
    expect(outcome(await query('CreateReplicationGroup', { ...group, 'UserGroupIds.member.1': 'no-such-group' }))).toBe('404 UserGroupNotFound');
  }, 60_000);
});
