/**
 * Step 1: validate the enquiry and create-or-get the application. Idempotent: the HTTP API creates the
 * application before it starts the execution, tests start executions directly, and a retried Lambda finds
 * what its first attempt wrote. An invalid enquiry writes nothing and fails with every field and rule.
 */
import { parseEnquiry } from '#shared/enquiry/schema.ts';
import { InputValidationError } from '#shared/errors.ts';
import { ApplicationExistsError } from '#shared/repository/index.ts';
import { eventId } from './events.ts';
import { ApplicationMismatchError, type RoutingOptions } from './input.ts';
import { appendOnce, vietnamDate, type WorkflowDeps } from './record.ts';

export interface SubmitInput {
  applicationId: string;
  investorId: string;
  enquiry: unknown;
  filedAt: string;
  routing?: RoutingOptions;
  /** The state's entered time. */
  at: string;
}

export async function submitApplication(deps: WorkflowDeps, input: SubmitInput) {
  const parsed = parseEnquiry(input.enquiry);
  if (!parsed.ok) {
    throw new InputValidationError(
      parsed.errors.map((e) => ({ path: `enquiry.${e.path}`, rule: e.rule, message: e.message })),
    );
  }
  const { repository } = deps;
  let app = await repository.getApplication(input.applicationId);
  if (!app) {
    try {
      app = await repository.createApplication({
        id: input.applicationId,
        investorId: input.investorId,
        status: 'submitted',
        createdAt: input.filedAt,
        filedAt: input.filedAt,
        enquiry: parsed.enquiry,
        ...(input.routing ? { routing: input.routing } : {}),
      });
    } catch (error) {
      if (!(error instanceof ApplicationExistsError)) throw error;
      app = await repository.getApplication(input.applicationId);
    }
  }
  if (!app || app.investorId !== input.investorId) {
    throw new ApplicationMismatchError(
      `application ${input.applicationId} belongs to another investor: the execution will not take it over`,
    );
  }
  await appendOnce(repository, input.applicationId, {
    eventId: 'submitted',
    at: input.at,
    what: 'application.submitted',
    who: input.investorId,
    details: { project: parsed.enquiry.project.name, filedOn: vietnamDate(input.filedAt) },
  });
  await deps.publish([
    {
      name: 'ApplicationSubmitted',
      detail: {
        eventId: eventId(input.applicationId, 'submitted'),
        applicationId: input.applicationId,
        at: input.at,
        audience: [{ kind: 'investor', id: input.investorId }],
        investorId: input.investorId,
        projectName: parsed.enquiry.project.name,
      },
    },
  ]);
  return { enquiry: parsed.enquiry, filedOn: vietnamDate(input.filedAt) };
}
