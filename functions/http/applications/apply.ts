/**
 * `POST /applications` without the HTTP: derive the application id from (investor, Idempotency-Key),
 * start the onboarding execution named by it, then create the application record.
 *
 * Why the execution is started FIRST: the execution's own first step (`submitApplication`) creates the
 * same record, idempotently, with the same content. So whatever fails, the pair is never left half-done:
 * - StartExecution fails: nothing was written; the client's retry with the same key does it all again.
 * - the create below fails (or the Lambda dies after the start): the execution's submit step writes the
 *   record, and a retry with the same key finds it.
 * - an application can therefore never exist without its execution, and every retry with the same key
 *   goes through StartExecution again (idempotent), so a start lost in flight is redone by the next POST.
 *
 * Concurrent POSTs with one key race on the execution name: Step Functions admits one execution; the
 * others get ExecutionAlreadyExists (their filing instant differs), read the winner's input and, when it
 * is the same request, answer with the winner's application. The same key with another body is
 * IdempotencyKeyConflictError (422), and nothing is written.
 */
import { createHash } from 'node:crypto';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Enquiry } from '#shared/enquiry/schema.ts';
import { InputValidationError } from '#shared/errors.ts';
import { IdempotencyKeySchema } from '#shared/http/applications.ts';
import type { ApplicationRecord, Repository } from '#shared/repository/index.ts';
import type { RoutingOptions } from '#shared/workflow/input.ts';

/** The same Idempotency-Key was used by this investor for another request body. */
export class IdempotencyKeyConflictError extends Error {
  override readonly name = 'IdempotencyKeyConflictError';
  constructor(readonly applicationId: string) {
    super(
      `this Idempotency-Key was already used for a different application (${applicationId}); use a new key for a new application`,
    );
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The validated Idempotency-Key header, or InputValidationError naming the header and the rule. */
export function idempotencyKey(headers: Record<string, string | undefined> | undefined): string {
  const entry = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === IDEMPOTENCY_HEADER);
  const value = entry?.[1];
  if (value === undefined || value === '') {
    throw new InputValidationError([
      {
        path: 'header.Idempotency-Key',
        rule: 'required',
        message: 'the Idempotency-Key header is required (a new UUID per application; the same one on retry)',
      },
    ]);
  }
  const parsed = IdempotencyKeySchema.safeParse(value);
  if (!parsed.success) {
    throw new InputValidationError(
      parsed.error.issues.map((i) => ({ path: 'header.Idempotency-Key', rule: i.code, message: i.message })),
    );
  }
  return parsed.data;
}

/** `app-` + 32 hex digits of SHA-256(investor, key): the same investor and key, the same id. */
export function applicationIdFor(investorId: string, key: string): string {
  return `app-${createHash('sha256').update(`${investorId}\n${key}`).digest('hex').slice(0, 32)}`;
}

/** JSON with object keys sorted: one string per value, as StartExecution's idempotency compares input. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface ApplyDeps {
  repository: Repository;
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  now?: () => Date;
}

export interface ApplyRequest {
  investorId: string;
  key: string;
  enquiry: Enquiry;
  routing?: RoutingOptions;
}

interface ExecutionInput {
  applicationId: string;
  investorId: string;
  enquiry: unknown;
  filedAt: string;
  routing?: unknown;
}

/** What identifies a request: investor, enquiry and routing, never the instant. */
const requestDigest = (r: { investorId: string; enquiry?: unknown; routing?: unknown }) =>
  createHash('sha256')
    .update(canonicalJson({ investorId: r.investorId, enquiry: r.enquiry, routing: r.routing ?? null }))
    .digest('base64url');

export async function apply(
  deps: ApplyDeps,
  request: ApplyRequest,
): Promise<{ application: ApplicationRecord; created: boolean }> {
  const applicationId = applicationIdFor(request.investorId, request.key);
  const digest = requestDigest(request);
  const existing = await deps.repository.getApplication(applicationId);
  if (existing && requestDigest(existing) !== digest) {
    throw new IdempotencyKeyConflictError(applicationId);
  }
  let input: ExecutionInput = {
    applicationId,
    investorId: request.investorId,
    enquiry: request.enquiry,
    filedAt: String(existing?.filedAt ?? (deps.now?.() ?? new Date()).toISOString()),
    ...(request.routing ? { routing: request.routing } : {}),
  };
  const executionArn = `${deps.stateMachineArn.replace(':stateMachine:', ':execution:')}:${applicationId}`;
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: applicationId,
        input: canonicalJson(input),
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    // Started before (a retry, a concurrent POST, or a finished execution): the same request is success.
    const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const started = JSON.parse(out.input ?? '{}') as ExecutionInput;
    if (requestDigest(started) !== digest) throw new IdempotencyKeyConflictError(applicationId);
    input = started;
  }
  // The same content the execution's submit step writes, so whichever comes first, the other agrees.
  const application = await deps.repository.createApplication({
    id: applicationId,
    investorId: input.investorId,
    status: 'submitted',
    createdAt: input.filedAt,
    filedAt: input.filedAt,
    enquiry: input.enquiry,
    ...(input.routing ? { routing: input.routing } : {}),
  });
  return { application, created: !existing };
}
