// One SQS queue per manifest queue, each with a dead-letter queue and alarms on the parked
// records and on the age of the oldest waiting record.
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { QUEUES, type QueueName } from "../../functions/manifest.ts";

export interface QueuesProps {
  alarmTopic: sns.ITopic;
}

/** A record waiting this long means consumers are stuck or paced far below the inflow. */
const OLDEST_RECORD_ALARM_SECONDS = 15 * 60;

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

export class Queues extends Construct {
  readonly queues = {} as Record<QueueName, sqs.Queue>;
  readonly deadLetterQueues = {} as Record<QueueName, sqs.Queue>;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    const alarmAction = new actions.SnsAction(props.alarmTopic);

    for (const [name, def] of Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]) {
      const label = pascal(name);
      const deadLetterQueue = new sqs.Queue(this, `${label}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const queue = new sqs.Queue(this, `${label}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: def.maxReceiveCount },
      });
      this.queues[name] = queue;
      this.deadLetterQueues[name] = deadLetterQueue;

      const parked = new cloudwatch.Alarm(this, `${label}DlqDepthAlarm`, {
        alarmDescription: `Records of the ${name} queue were parked in its dead-letter queue; inspect, then redrive.`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: "Maximum" }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const stuck = new cloudwatch.Alarm(this, `${label}OldestRecordAlarm`, {
        alarmDescription: `The oldest record of the ${name} queue has waited over ${OLDEST_RECORD_ALARM_SECONDS / 60} minutes.`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: "Maximum" }),
        threshold: OLDEST_RECORD_ALARM_SECONDS,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      parked.addAlarmAction(alarmAction);
      stuck.addAlarmAction(alarmAction);
    }
  }

  arns(): Record<QueueName, string> {
    return mapQueues((name) => this.queues[name].queueArn);
  }

  /** The queue URL environment variables. */
  urlEnvironment(): Record<string, string> {
    const environment: Record<string, string> = {};
    for (const name of Object.keys(QUEUES) as QueueName[]) environment[QUEUES[name].urlEnv] = this.queues[name].queueUrl;
    return environment;
  }
}

const mapQueues = (value: (name: QueueName) => string) =>
  Object.fromEntries((Object.keys(QUEUES) as QueueName[]).map((name) => [name, value(name)])) as Record<QueueName, string>;
