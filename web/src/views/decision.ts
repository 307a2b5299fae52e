/**
 * The official's decision form and the reassignment form: what the API takes (`DecisionBody`,
 * `AssigneeBody`), checked with the API's own schemas before anything is sent, and how an answer reads
 * (409: somebody decided first, shown as "already decided", never as a generic error).
 */
import type * as z from 'zod';
import { AssigneeBody, DecisionBody } from '#shared/http/officials.ts';
import type { Lang } from './due.ts';

export type DecisionKind = z.infer<typeof DecisionBody>['decision'];

export interface DecisionForm {
  decision: DecisionKind | '';
  reason: string;
  legalBasis: string;
}

export type Checked<T> = { ok: true; body: T } | { ok: false; errors: Record<string, string> };

const MESSAGES = {
  decision: { vi: 'Hãy chọn một quyết định', en: 'Choose a decision' },
  reasonReject: { vi: 'Cần nêu lý do từ chối', en: 'A reason is required to reject' },
  reasonAsk: { vi: 'Cần nêu thông tin cần bổ sung', en: 'Say what information is needed' },
  tooLong: { vi: 'Quá dài', en: 'Too long' },
  role: { vi: 'Hãy chọn vai trò nhận việc', en: 'Choose the role to take the task' },
  reasonReassign: { vi: 'Cần nêu lý do chuyển việc', en: 'Say why the task is reassigned' },
} as const;

/** The decision body, or an error per field (in the official's language); nothing is sent on error. */
export function checkDecision(form: DecisionForm, lang: Lang): Checked<z.input<typeof DecisionBody>> {
  if (form.decision === '') return { ok: false, errors: { decision: MESSAGES.decision[lang] } };
  const reason = form.reason.trim();
  const legalBasis = form.legalBasis.trim();
  const body = {
    decision: form.decision,
    ...(reason ? { reason } : {}),
    ...(legalBasis ? { legalBasis } : {}),
  };
  const parsed = DecisionBody.safeParse(body);
  if (parsed.success) return { ok: true, body };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'decision');
    if (errors[field]) continue;
    if (field === 'reason' && issue.code !== 'too_big') {
      errors[field] = (form.decision === 'reject' ? MESSAGES.reasonReject : MESSAGES.reasonAsk)[lang];
    } else if (issue.code === 'too_big') errors[field] = MESSAGES.tooLong[lang];
    else errors[field] = issue.message;
  }
  return { ok: false, errors };
}

/** The reassignment body, or an error per field. */
export function checkReassign(
  form: { role: string; reason: string },
  lang: Lang,
): Checked<z.input<typeof AssigneeBody>> {
  const body = { role: form.role, reason: form.reason.trim() };
  const parsed = AssigneeBody.safeParse(body);
  if (parsed.success) return { ok: true, body: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'role');
    if (errors[field]) continue;
    if (field === 'role') errors.role = MESSAGES.role[lang];
    else if (issue.code === 'too_big') errors[field] = MESSAGES.tooLong[lang];
    else errors[field] = MESSAGES.reasonReassign[lang];
  }
  return { ok: false, errors };
}

export type DecisionOutcome =
  | 'recorded'
  | 'already-decided'
  | 'invalid'
  | 'not-allowed'
  | 'not-found'
  | 'error';

/** How an API answer to a decision reads for the official. */
export function decisionOutcome(status: number): DecisionOutcome {
  if (status >= 200 && status < 300) return 'recorded';
  if (status === 409) return 'already-decided';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 403) return 'not-allowed';
  if (status === 404) return 'not-found';
  return 'error';
}
