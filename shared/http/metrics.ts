/**
 * Counts for the HTTP routes that act on the workflow (a decision through `POST /tasks/{id}/decision`), in
 * CloudWatch's embedded metric format: one JSON line on stdout per count, which CloudWatch Logs turns into
 * the metric. The line is the one Powertools Metrics' `singleMetric()` writes for the approval Lambdas
 * (`shared/workflow/approval-handler.ts`: same namespace, `service` dimension and unit), so a decision
 * counted here and an SLA breach counted there land in the same CloudWatch namespace and dimension sets.
 *
 * Why not Powertools Metrics itself: it adds about 10 KiB to the decision route's bundle, which is at the
 * 400 KiB budget (measured 399.7 -> 410.4 KiB with esbuild and the house options); the format is a
 * documented, fixed JSON shape, and a unit test compares this line with the one Powertools writes.
 */
import type { ApprovalMetrics } from '#shared/workflow/approval-tasks.ts';

/** The CloudWatch namespace of the workflow's business metrics (the approval Lambdas' too). */
export const METRICS_NAMESPACE = 'LaoCaiOnboarding';

/**
 * A counter writing one EMF line per count to stdout (`metric` = 1 Count, dimensions `service` and the
 * given ones). Always on, like the approval Lambdas' Powertools Metrics on the local cloud.
 */
export function emfMetrics(service: string): ApprovalMetrics {
  return {
    count(metric, dimensions) {
      const all = { service, ...dimensions };
      const metrics = [{ Name: metric, Unit: 'Count' }];
      const _aws = {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          { Namespace: METRICS_NAMESPACE, Dimensions: [Object.keys(all)], Metrics: metrics },
        ],
      };
      process.stdout.write(`${JSON.stringify({ _aws, ...all, [metric]: 1 })}\n`);
    },
  };
}
