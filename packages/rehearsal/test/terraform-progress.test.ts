import { describeProgress, NO_PROGRESS, readTerraformLine, TerraformProgress } from '../src/terraform-progress';

const read = (lines: string[]): TerraformProgress => lines.reduce(readTerraformLine, NO_PROGRESS);

describe('the live resource counter', () => {
  it('counts creations against the plan total: "platform: 2/3 created"', () => {
    const progress = read([
      'Terraform will perform the following actions:',
      'Plan: 3 to add, 0 to change, 0 to destroy.',
      'aws_vpc.network_vpc_1A2B: Creating...',
      'aws_vpc.network_vpc_1A2B: Creation complete after 1s [id=vpc-123]',
      'aws_kms_key.key_9F: Creation complete after 0s [id=abc]',
      'aws_ecs_cluster.cluster: Still creating... [10s elapsed]',
    ]);
    expect(describeProgress('platform', progress)).toBe('platform: 2/3 created');
  });

  it('counts a replacement as one destruction and one creation, and names a mixed plan "applied"', () => {
    const progress = read([
      'Plan: 1 to add, 1 to change, 1 to destroy.',
      'aws_ecs_task_definition.server: Destruction complete after 0s',
      'aws_ecs_service.server: Modifications complete after 1s [id=x]',
      'aws_ecs_task_definition.server: Creation complete after 0s [id=y]',
    ]);
    expect(describeProgress('platform', progress)).toBe('platform: 3/3 applied');
  });

  it('says "destroyed" for a destroy and "no changes" when terraform has nothing to do', () => {
    expect(describeProgress('bootstrap', read(['Plan: 0 to add, 0 to change, 2 to destroy.', 'aws_s3_bucket.state: Destruction complete after 1s'])))
      .toBe('bootstrap: 1/2 destroyed');
    expect(describeProgress('platform', read(['No changes. Your infrastructure matches the configuration.']))).toBe('platform: no changes');
  });

  it('says "planning" before terraform has printed its plan', () => {
    expect(describeProgress('platform', read(['Initializing the backend...', 'aws_vpc.x: Refreshing state... [id=vpc-1]']))).toBe('platform: planning');
  });
});
