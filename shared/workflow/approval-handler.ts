/**
 * The wrapper of the approval and clearance-wait Lambdas: WF's `workflowTask` (input parsed by its schema,
 * application id and execution name on every log line, repository and event publisher made once) plus the
 * Step Functions client (a wait answers its own token when a decision raced it) and Powertools Metrics for
 * decisions and SLA breaches (one EMF record per count, flushed at once).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { sfn } from '#shared/clients.ts';
import type * as z from '../zod.ts';
import type { ApprovalDeps, ApprovalMetrics } from './approval-tasks.ts';
import { workflowTask } from './handler.ts';

/** The CloudWatch namespace of the workflow's business metrics. */
export const METRICS_NAMESPACE = 'LaoCaiOnboarding';

let metrics: Metrics | undefined;

/** Counts through Powertools Metrics (EMF on stdout, which CloudWatch turns into metrics). */
export function powertoolsMetrics(): ApprovalMetrics {
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'approvals' });
  const source = metrics;
  return {
    count(metric, dimensions) {
      const single = source.singleMetric();
      for (const [name, value] of Object.entries(dimensions)) single.addDimension(name, value);
      single.addMetric(metric, MetricUnit.Count, 1);
    },
  };
}

/**
 * `options.metrics`: the counter for the functions that count (pass `powertoolsMetrics`); the others leave
 * it out, and Powertools Metrics (about 10 KiB) out of their bundles with it.
 */
export function approvalTask<S extends z.ZodMiniType, R>(
  schema: S,
  fn: (input: z.infer<S>, deps: ApprovalDeps, context: Context) => Promise<R>,
  options: { metrics?: () => ApprovalMetrics } = {},
) {
  return workflowTask(schema, (input, deps, context) =>
    fn(input, { ...deps, sfn, ...(options.metrics ? { metrics: options.metrics() } : {}) }, context),
  );
}
