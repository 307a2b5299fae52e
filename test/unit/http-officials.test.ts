/**
 * The officials' and zone managers' contracts without a cloud: the error map for every error their handlers
 * can meet, the decision and clearance bodies against a model of what must pass, and who may see a task.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClearanceSchema } from '#shared/catalog/schema.ts';
import { classifyError } from '#shared/http/errors.ts';
import { actorOf, ClearanceBody, DecisionBody, mayViewTask } from '#shared/http/officials.ts';
import {
  PlotNotFoundError,
  TaskExistsError,
  TaskNotFoundError,
  TaskStatusConflictError,
} from '#shared/repository/index.ts';
import {
  ApplicationClosedError,
  NotAllowedError,
  TaskAlreadyDecidedError,
  TaskStateError,
} from '#shared/workflow/approval-errors.ts';

describe('the error map for the officials’ and zone managers’ routes', () => {
  it('maps each domain error they can meet to its status, never 500', () => {
    const cases: Array<[Error, number]> = [
      [new TaskAlreadyDecidedError('t@a', 'decided'), 409],
      [new TaskExistsError('a', 't@a'), 409],
      [new TaskStatusConflictError('t@a', 'open', 'decided'), 409],
      [new TaskStateError('t@a', 'decided', 'information-requested'), 409],
      [new ApplicationClosedError('a', 'allocated'), 409],
      [new NotAllowedError('update clearance', 'not this zone'), 403],
      [new TaskNotFoundError('a', 't@a'), 404],
      [new PlotNotFoundError('p'), 404],
    ];
    for (const [error, status] of cases) expect(classifyError(error).status, error.name).toBe(status);
  });
});

const reason = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });

describe('DecisionBody', () => {
  it('needs a non-blank reason to reject or to ask, and none to approve (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('approve', 'reject', 'request-information'), reason, (decision, r) => {
        const result = DecisionBody.safeParse({ decision, ...(r === undefined ? {} : { reason: r }) });
        const blank = r !== undefined && r.trim() === '';
        const ok = !blank && (decision === 'approve' || r !== undefined);
        expect(result.success, `${decision} ${JSON.stringify(r)}`).toBe(ok);
        if (!result.success && r === undefined) {
          expect(result.error.issues.map((i) => i.path.join('.'))).toEqual(['reason']);
        }
      }),
    );
  });

  it('refuses unknown fields and a chosen path on anything but an approval', () => {
    expect(DecisionBody.safeParse({ decision: 'approve', extra: 1 }).success).toBe(false);
    const path = { candidateId: 'irc-only', reason: 'small project' };
    expect(DecisionBody.safeParse({ decision: 'approve', chosenPath: path }).success).toBe(true);
    expect(DecisionBody.safeParse({ decision: 'reject', reason: 'x', chosenPath: path }).success).toBe(false);
  });
});

describe('ClearanceBody', () => {
  it('accepts exactly the clearances ClearanceSchema accepts, with an optional note (property)', () => {
    const body = fc.record(
      {
        status: fc.constantFrom('cleared', 'compensation_in_progress', 'not_started', 'disputed'),
        compensationPercent: fc.integer({ min: -10, max: 110 }),
        expectedDate: fc.constantFrom('2026-06-01', '2026-13-01', 'soon'),
        note: fc.constantFrom('paid', ''),
      },
      { requiredKeys: ['status'] },
    );
    fc.assert(
      fc.property(body, (b) => {
        const { note, ...clearance } = b;
        const model = ClearanceSchema.safeParse(clearance).success && note !== '';
        expect(ClearanceBody.safeParse(b).success, JSON.stringify(b)).toBe(model);
      }),
    );
  });
});

describe('who may see a task', () => {
  const caller = (roles: string[], zones: string[]) =>
    actorOf({ sub: 's', username: 'u', roles: roles as never, zones });

  it('an admin, the supervising role, or the task’s role in its scope; nobody else (property)', () => {
    const role = fc.constantFrom('zone-board-officer', 'environment-officer', 'provincial-officer');
    const zone = fc.constantFrom('kcn-a', 'kcn-b', 'province');
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.constantFrom('zone-board-officer', 'environment-officer', 'provincial-officer', 'admin'),
        ),
        fc.uniqueArray(fc.constantFrom('kcn-a', 'kcn-b')),
        role,
        zone,
        role,
        (roles, zones, taskRole, scope, supervisorRole) => {
          const actor = caller(roles, zones);
          const scopes = roles.includes('provincial-officer') ? [...zones, 'province'] : zones;
          const model =
            roles.includes('admin') ||
            roles.includes(supervisorRole) ||
            (roles.includes(taskRole) && scopes.includes(scope));
          expect(mayViewTask(actor, { role: taskRole, scope, supervisorRole })).toBe(model);
        },
      ),
    );
  });
});
