/** The official's decision and reassignment forms (web/src/views/decision.ts), checked by the API's schemas. */
import { describe, expect, it } from 'vitest';
import { checkDecision, checkReassign, decisionOutcome } from '../../web/src/views/decision.ts';

describe('the decision and reassignment forms', () => {
  it('requires a reason to reject or to ask for information, and sends nothing without one', () => {
    expect(checkDecision({ decision: 'approve', reason: '', legalBasis: '' }, 'en')).toEqual({
      ok: true,
      body: { decision: 'approve' },
    });
    expect(checkDecision({ decision: 'reject', reason: '  ', legalBasis: '' }, 'en')).toEqual({
      ok: false,
      errors: { reason: 'A reason is required to reject' },
    });
    expect(checkDecision({ decision: 'request-information', reason: '', legalBasis: '' }, 'vi')).toEqual({
      ok: false,
      errors: { reason: 'Cần nêu thông tin cần bổ sung' },
    });
    expect(checkDecision({ decision: '', reason: 'x', legalBasis: '' }, 'en').ok).toBe(false);
    expect(
      checkDecision({ decision: 'reject', reason: ' No capacity ', legalBasis: 'Law 143/2025/QH15' }, 'en'),
    ).toEqual({
      ok: true,
      body: { decision: 'reject', reason: 'No capacity', legalBasis: 'Law 143/2025/QH15' },
    });
  });

  it('checks a reassignment’s role and reason', () => {
    expect(checkReassign({ role: 'provincial-officer', reason: 'on leave' }, 'en')).toEqual({
      ok: true,
      body: { role: 'provincial-officer', reason: 'on leave' },
    });
    const bad = checkReassign({ role: 'cook', reason: '' }, 'en');
    expect(bad).toEqual({
      ok: false,
      errors: { role: 'Choose the role to take the task', reason: 'Say why the task is reassigned' },
    });
  });

  it('reads a 409 as already decided', () => {
    expect(decisionOutcome(200)).toBe('recorded');
    expect(decisionOutcome(409)).toBe('already-decided');
    expect(decisionOutcome(400)).toBe('invalid');
    expect(decisionOutcome(503)).toBe('error');
  });
});
