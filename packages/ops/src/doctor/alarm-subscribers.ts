import { ListSubscriptionsByTopicCommand, Subscription } from '@aws-sdk/client-sns';
import { messageOf } from '@blog-data/cli-kit';
import { CheckResult, DoctorContext, fail, missingOutput, pass } from './types';

const ID = 'alarm-subscribers';
const TITLE = 'the alarm topic has a confirmed subscriber';

/** A subscriber as it may be shown: webhook URLs carry tokens, so only their host is printed. */
export function describeSubscriber(s: Subscription): string {
  const confirmed = isConfirmed(s) ? 'confirmed' : 'pending confirmation';
  let where = s.Endpoint ?? '?';
  if (s.Protocol === 'http' || s.Protocol === 'https') {
    try {
      where = new URL(where).host;
    } catch {
      where = 'a webhook';
    }
  }
  return `${s.Protocol ?? '?'} ${where} (${confirmed})`;
}

/** SNS lists an unconfirmed subscription with `SubscriptionArn: "PendingConfirmation"` instead of an ARN. */
function isConfirmed(s: Subscription): boolean {
  return !!s.SubscriptionArn && s.SubscriptionArn.startsWith('arn:');
}

/** Judges the topic's subscriptions (kept apart from the SDK call for unit tests). */
export function judgeSubscribers(topicArn: string, subscriptions: readonly Subscription[]): CheckResult {
  const topic = topicArn.split(':').pop();
  if (subscriptions.length === 0) {
    return fail(ID, TITLE, `${topic} has no subscription: alarms reach nobody`,
      'set alarms.email and/or alarms.webhookSecretName (a secret holding a PagerDuty/Opsgenie/Slack HTTPS URL) in the environment\'s config and apply the platform stack');
  }
  const found = `${topic}: ${subscriptions.map(describeSubscriber).join(', ')}`;
  if (subscriptions.some(isConfirmed)) return pass(ID, TITLE, found);
  return fail(ID, TITLE, found,
    'no subscriber has confirmed: the e-mail recipient must click the link in AWS\'s "Subscription Confirmation" mail; a webhook must visit the SubscribeURL of the first message '
    + '(or `aws sns confirm-subscription`); unconfirmed subscriptions expire after 3 days, then apply the platform stack again');
}

/** Lists the subscriptions of `alarm_topic_arn` and requires at least one confirmed. */
export async function checkAlarmSubscribers(ctx: DoctorContext): Promise<CheckResult> {
  const topicArn = ctx.outputs.alarm_topic_arn;
  if (!topicArn) return fail(ID, TITLE, 'no alarm_topic_arn', missingOutput('alarm_topic_arn'));
  try {
    const subscriptions: Subscription[] = [];
    let token: string | undefined;
    do {
      const page = await ctx.aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
      subscriptions.push(...(page.Subscriptions ?? []));
      token = page.NextToken;
    } while (token);
    return judgeSubscribers(topicArn, subscriptions);
  } catch (err) {
    const notFound = (err as Error).name === 'NotFoundException' || (err as Error).name === 'NotFound';
    return notFound
      ? fail(ID, TITLE, `topic ${topicArn} does not exist`, 'apply the platform stack (it creates the alarm topic), or refresh the infra outputs file')
      : fail(ID, TITLE, `SNS API failed: ${messageOf(err)}`, 'check AWS credentials and region (sns:ListSubscriptionsByTopic)');
  }
}
