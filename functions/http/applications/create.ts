import { sfn } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { createApplication } from '#shared/http/applications.ts';
import { httpHandler, Reply } from '#shared/http/handler.ts';
import { apply, idempotencyKey } from './apply.ts';
import { applicationRepository } from './deps.ts';

const stateMachineArn = requireEnv('STATE_MACHINE_ARN');

/**
 * `POST /applications`: the enquiry, with the Idempotency-Key header. Starts the onboarding workflow for
 * a new key; answers the same application for a retry (see apply.ts for why create + start can never be
 * left half-done); 422 when the key was used for another body.
 */
export const handler = httpHandler(createApplication, async ({ body, caller, event }) => {
  const key = idempotencyKey(event.headers);
  const { routing, ...enquiry } = body;
  const { application } = await apply(
    { repository: applicationRepository(), sfn, stateMachineArn },
    { investorId: caller.sub, key, enquiry, ...(routing ? { routing } : {}) },
  );
  const self = `/applications/${application.id}`;
  return new Reply(
    202,
    {
      id: application.id,
      status: application.status as never,
      filedAt: String(application.filedAt ?? application.createdAt),
      links: { self, timeline: `${self}/timeline` },
    },
    { Location: self },
  );
});
