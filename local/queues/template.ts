/**
 * What the local SQS and its pollers read from the synthesized template (the one definition): the
 * `AWS::SQS::Queue`s (name, visibility timeout, delay, RedrivePolicy) and the
 * `AWS::Lambda::EventSourceMapping`s from a queue to a function (batch size, partial batch responses,
 * concurrency). `withQueueRefs` lets the template resolver answer `Ref`/`Fn::GetAtt` on queues, which it
 * does not know (rules' targets, mappings, environments).
 */
import type { CfnTemplate, ResolvedTemplate } from '../template/template.ts';
import type { QueueDefinition } from './service.ts';

export interface EventSourceMappingDefinition {
  logicalId: string;
  /** The function's local name (as the Lambda runtime registered it). */
  functionName: string;
  /** The queue's name. */
  queue: string;
  batchSize: number;
  /** `FunctionResponseTypes` holds `ReportBatchItemFailures`. */
  reportBatchItemFailures: boolean;
  /** `ScalingConfig.MaximumConcurrency`, if set. */
  maximumConcurrency?: number;
  enabled: boolean;
}

export interface QueueTemplate {
  queues: QueueDefinition[];
  mappings: EventSourceMappingDefinition[];
  /** The resolver, taught the template's queues. */
  resolver: Pick<ResolvedTemplate, 'resolve'>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the queues and the queue → function mappings of a template. */
export function readQueueTemplate(
  template: CfnTemplate,
  resolved: Pick<ResolvedTemplate, 'resolve'>,
  names: { region: string; accountId: string; endpoint: () => string },
): QueueTemplate {
  const resources = template.Resources ?? {};
  const queueName = (logicalId: string): string | undefined => {
    const r = resources[logicalId];
    if (r?.Type !== 'AWS::SQS::Queue') return undefined;
    const explicit = r.Properties?.QueueName;
    return typeof explicit === 'string' ? explicit : logicalId;
  };
  const arnOf = (name: string) => `arn:aws:sqs:${names.region}:${names.accountId}:${name}`;
  const urlOf = (name: string) => `${names.endpoint()}/${names.accountId}/${name}`;

  /** Replaces Ref / Fn::GetAtt on queues with their local values; everything else is left to `resolved`. */
  const substitute = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(substitute);
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      if (typeof value.Ref === 'string') {
        const name = queueName(value.Ref);
        if (name) return urlOf(name);
      }
      const getAtt = value['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
        const name = queueName(getAtt[0]);
        if (name) {
          if (getAtt[1] === 'Arn') return arnOf(name);
          if (getAtt[1] === 'QueueName') return name;
          if (getAtt[1] === 'QueueUrl') return urlOf(name);
        }
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  };
  const resolver = { resolve: (value: unknown) => resolved.resolve(substitute(value)) };

  const queues: QueueDefinition[] = [];
  const mappings: EventSourceMappingDefinition[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::SQS::Queue') {
      const name = queueName(logicalId) as string;
      if (props.FifoQueue === true) {
        throw new Error(`queue ${logicalId}: FIFO queues are not run by the local cloud`);
      }
      const redrive = props.RedrivePolicy === undefined ? undefined : resolver.resolve(props.RedrivePolicy);
      const policy = typeof redrive === 'string' ? (JSON.parse(redrive) as unknown) : redrive;
      queues.push({
        name,
        arn: arnOf(name),
        logicalId,
        visibilityTimeoutSeconds: Number(props.VisibilityTimeout ?? 30),
        delaySeconds: Number(props.DelaySeconds ?? 0),
        ...(isObject(policy)
          ? {
              redrive: {
                deadLetterTargetArn: String(policy.deadLetterTargetArn),
                maxReceiveCount: Number(policy.maxReceiveCount),
              },
            }
          : {}),
      });
    }
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const props = resource.Properties ?? {};
    const source = String(resolver.resolve(props.EventSourceArn));
    if (!source.startsWith('arn:aws:sqs:')) continue;
    const fn = String(resolver.resolve(props.FunctionName));
    const scaling = isObject(props.ScalingConfig) ? props.ScalingConfig : undefined;
    mappings.push({
      logicalId,
      functionName: fn.split(':').pop() ?? fn,
      queue: source.split(':').pop() ?? source,
      batchSize: Number(props.BatchSize ?? 10),
      reportBatchItemFailures:
        Array.isArray(props.FunctionResponseTypes) &&
        props.FunctionResponseTypes.includes('ReportBatchItemFailures'),
      ...(scaling?.MaximumConcurrency !== undefined
        ? { maximumConcurrency: Number(scaling.MaximumConcurrency) }
        : {}),
      enabled: props.Enabled !== false,
    });
  }
  return { queues, mappings, resolver };
}
