import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describeWithServices, PrivateEmulator, startPrivateAwsEmulator } from '@blog-data/test-support';
import { configFor, one, synthBoth } from './helpers';

/** A RotationSucceeded event as CloudTrail hands it to EventBridge. */
function rotationEvent(secretArn: string, account: string, region: string) {
  return {
    'id': '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'AWS Service Event via CloudTrail',
    'source': 'aws.secretsmanager',
    'account': account,
    'time': '2026-11-29T03:00:00Z',
    'region': region,
    'resources': [],
    'detail': {
      eventVersion: '1.08',
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'RotationSucceeded',
      awsRegion: region,
      additionalEventData: { SecretId: secretArn },
      eventType: 'AwsServiceEvent',
    },
  };
}

// The rule and the state machine are the synthesized ones (emulator mode), created on a private moto
// that executes state machines (moto's global setting) and calls back into itself (MOTO_PORT).
describeWithServices('a database password rotation restarts the server (AWS emulator)', ['AWS_ENDPOINT_URL'], () => {
  let emulator: PrivateEmulator;
  const region = 'eu-west-2';
  const account = '123456789012';
  let clients: { ecs: ECSClient; events: EventBridgeClient; sfn: SFNClient; secrets: SecretsManagerClient; logs: CloudWatchLogsClient };

  beforeAll(async () => {
    emulator = await startPrivateAwsEmulator({ env: { MOTO_ECS_SERVICE_RUNNING: '1' } });
    await emulator.control('/moto-api/config', { stepfunctions: { execute_state_machine: true } });
    const o = { region, endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    clients = {
      ecs: new ECSClient(o),
      events: new EventBridgeClient(o),
      sfn: new SFNClient(o),
      secrets: new SecretsManagerClient(o),
      logs: new CloudWatchLogsClient(o),
    };
  });

  afterAll(async () => {
    for (const c of Object.values(clients ?? {})) c.destroy();
    await emulator?.stop();
  });

  it('matches only the database secret\'s RotationSucceeded and forces a new server deployment', async () => {
    const { ecs, events, sfn, secrets, logs } = clients;
    const platform = synthBoth(configFor('dev', { aws: { accountId: account, region } }), { emulatorEndpoint: emulator.endpoint }).platform;
    const rule = one(platform, 'aws_cloudwatch_event_rule', 'db-rotation');
    const machine = one(platform, 'aws_sfn_state_machine', 'db-rotation');

    // What terraform would create: the secret (RDS creates it), the cluster and the server service.
    const secret = await secrets.send(new CreateSecretCommand({ Name: 'rds!cluster-0a1b2c3d', SecretString: '{"username":"prefect","password":"old"}' }));
    const other = await secrets.send(new CreateSecretCommand({ Name: 'blog-data-dev/prefect-api-auth', SecretString: 'prefect:x' }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'prefect-dev' }));
    const td = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'blog-data-dev-server', containerDefinitions: [{ name: 'prefect-server', image: 'blog-data', memory: 512 }] }));
    const created = await ecs.send(new CreateServiceCommand({ cluster: 'prefect-dev', serviceName: 'prefect-server', taskDefinition: td.taskDefinition!.taskDefinitionArn, desiredCount: 1 }));
    const before = created.service!.deployments![0].id;

    // The synthesized rule with the secret ARN terraform would fill in. moto delivers matching events
    // only to log groups, SQS and buses (not Step Functions), so a log group observes what matched.
    const pattern = String(rule.event_pattern).replace(/\$\{aws_rds_cluster\.[^}]+\}/, secret.ARN!);
    await events.send(new PutRuleCommand({ Name: rule.name, EventPattern: pattern }));
    const observer = '/test/rotation-events';
    await logs.send(new CreateLogGroupCommand({ logGroupName: observer }));
    await events.send(new PutTargetsCommand({ Rule: rule.name, Targets: [{ Id: 'observer', Arn: `arn:aws:logs:${region}:${account}:log-group:${observer}` }] }));
    const put = (arn: string) => {
      const e = rotationEvent(arn, account, region);
      return events.send(new PutEventsCommand({ Entries: [{ Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail) }] }));
    };
    await put(other.ARN!);
    await put(secret.ARN!);
    const delivered = ((await logs.send(new FilterLogEventsCommand({ logGroupName: observer }))).events ?? []).map((x) => JSON.parse(x.message!));
    expect(delivered.map((d) => d.detail.additionalEventData.SecretId)).toEqual([secret.ARN]);

    // EventBridge's part (moto delivers rule targets only to SQS, logs and buses): start the machine with the event.
    const sm = await sfn.send(new CreateStateMachineCommand({ name: machine.name, definition: machine.definition, roleArn: `arn:aws:iam::${account}:role/blog-data-dev-db-rotation-restart` }));
    const run = await sfn.send(new StartExecutionCommand({ stateMachineArn: sm.stateMachineArn, input: JSON.stringify(delivered[0]) }));
    let status = 'RUNNING';
    let described;
    for (let i = 0; i < 100 && status === 'RUNNING'; i++) {
      described = await sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
      status = described.status!;
      if (status === 'RUNNING') await new Promise((r) => setTimeout(r, 100));
    }
    expect({ status, cause: described?.cause }).toEqual({ status: 'SUCCEEDED', cause: undefined });
    const after = (await ecs.send(new DescribeServicesCommand({ cluster: 'prefect-dev', services: ['prefect-server'] }))).services![0].deployments![0].id;
    expect(after).not.toBe(before);
  });
});
