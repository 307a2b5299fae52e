/**
 * One approval task: the application it concerns, the route and its legal basis, the site, the site
 * checks, the due date in working days; the decision form (approve, reject with reasons, request
 * information), checked with the API's own schema before sending; a 409 reads "already decided".
 * Reassignment to another official role of the same scope.
 */
import { decideTask, getTask, reassignTask } from '../../../../shared/http/officials.ts';
import { OFFICIAL_ROLES } from '../../../../shared/http/roles.ts';
import { ApiError } from '../../api.ts';
import { facts, loading, sampleBadge } from '../../components.ts';
import { h, mount } from '../../dom.ts';
import type { Page } from '../../router.ts';
import { checkDecision, checkReassign, type DecisionKind, decisionOutcome } from '../../views/decision.ts';
import { dueLabel, dueState, formatDate, formatInstant, vietnamDateOf } from '../../views/due.ts';
import { STATUS_LABELS } from '../investor/messages.ts';
import { messages } from './messages.ts';

interface Verdict {
  check?: string;
  passed?: boolean;
  blockers?: { message?: string }[];
  notes?: string[];
}

export const page: Page = {
  path: '/tasks/:id',
  title: (_t, params) => params.id ?? '',
  roles: OFFICIAL_ROLES,
  async render(root, ctx) {
    const { lang, t } = ctx;
    const m = messages(lang);
    const id = ctx.params.id ?? '';
    mount(root, loading(t));
    const detail = await ctx.api.call(getTask, { path: { id }, signal: ctx.signal });
    const { task, application: app } = detail;
    const title = (task.title as { vi?: string; en?: string } | undefined)?.[lang];
    ctx.setTitle(
      title ? `${title} · ${app?.projectName ?? task.applicationId}` : m.taskTitle.replace('{id}', id),
    );
    const due = dueState(new Date().toISOString(), detail.dueAt);
    const open = task.status === 'open' || task.status === 'information-requested';

    const summary = h(
      'section',
      { class: 'card', 'aria-labelledby': 'task-app' },
      h('h2', { id: 'task-app' }, app?.projectName ?? task.applicationId),
      facts([
        [m.stage, title ?? String(task.stageId ?? '')],
        [m.stageBasis, String(task.legalBasis ?? '')],
        [
          m.due,
          h(
            'span',
            { class: due.overdue ? 'due overdue' : 'due' },
            due.overdue ? h('span', { 'aria-hidden': 'true' }, '⚠ ') : null,
            `${formatDate(vietnamDateOf(detail.dueAt), lang)} (${dueLabel(due, lang)})`,
          ),
        ],
        [m.taskStatus, h('span', { id: 'task-status' }, task.status)],
        app?.investorName ? [m.investor, app.investorName] : null,
        app ? [m.status, STATUS_LABELS[app.status]?.[lang] ?? app.status] : null,
        app?.filedAt ? [m.filed, formatInstant(app.filedAt, lang)] : null,
        app?.route ? [m.route, [app.route.ruleSetId, app.route.pathId].filter(Boolean).join(' · ')] : null,
        app?.site?.plotId
          ? [
              m.site,
              [
                `${app.site.plotId}${app.site.zoneId ? ` · ${app.site.zoneId}` : ''}`,
                app.site.holdExpiresAt
                  ? ` · ${m.heldUntil.replace('{date}', formatInstant(app.site.holdExpiresAt, lang))}`
                  : '',
                sampleBadge(t),
              ],
            ]
          : null,
      ]),
      app?.route?.legalBasis?.length
        ? [
            h('h3', null, m.legalBasis),
            h(
              'ul',
              null,
              app.route.legalBasis.map((b) => h('li', null, b)),
            ),
          ]
        : null,
      h(
        'p',
        null,
        h('a', { href: `#/applications/${encodeURIComponent(task.applicationId)}` }, m.openApplication),
      ),
    );

    const verdicts = (Array.isArray(app?.checks) ? app.checks : []) as Verdict[];
    const checks = h(
      'section',
      { class: 'card', 'aria-labelledby': 'task-checks' },
      h('h2', { id: 'task-checks' }, m.checks),
      verdicts.length === 0
        ? h('p', { class: 'muted' }, m.noChecks)
        : h(
            'ul',
            { class: 'checks' },
            verdicts.map((v) =>
              h(
                'li',
                null,
                h('span', { 'aria-hidden': 'true' }, v.passed ? '✓ ' : '✕ '),
                h('strong', null, v.check ?? ''),
                `: ${v.passed ? m.passed : m.blocked}`,
                [...(v.blockers ?? []).map((b) => b.message ?? ''), ...(v.notes ?? [])]
                  .filter(Boolean)
                  .map((text) => h('span', { class: 'muted' }, ` · ${text}`)),
              ),
            ),
          ),
    );

    const status = h('div', {
      class: 'form-status',
      role: 'status',
      'aria-live': 'polite',
      id: 'decision-status',
    });
    const decisionErr = h('p', { class: 'field-error', id: 'decision-error' });
    const reasonErr = h('p', { class: 'field-error', id: 'reason-error' });
    const reason = h('textarea', { id: 'decision-reason', rows: 3, 'aria-describedby': 'reason-error' });
    const basis = h('input', { id: 'decision-basis', type: 'text', maxlength: 300 });
    const choices: [DecisionKind, string][] = [
      ['approve', m.approve],
      ['reject', m.reject],
      ['request-information', m.requestInformation],
    ];
    const submit = h('button', { type: 'submit', class: 'button' }, m.submitDecision);
    const decisionForm = h(
      'form',
      {
        class: 'card form',
        'aria-labelledby': 'decision-title',
        novalidate: true,
        onsubmit: async (event: Event) => {
          event.preventDefault();
          const chosen = decisionForm.querySelector<HTMLInputElement>('input[name="decision"]:checked');
          const checked = checkDecision(
            {
              decision: (chosen?.value ?? '') as DecisionKind | '',
              reason: reason.value,
              legalBasis: basis.value,
            },
            lang,
          );
          decisionErr.textContent = '';
          reasonErr.textContent = '';
          reason.removeAttribute('aria-invalid');
          if (!checked.ok) {
            decisionErr.textContent = checked.errors.decision ?? '';
            reasonErr.textContent = checked.errors.reason ?? '';
            if (checked.errors.reason) {
              reason.setAttribute('aria-invalid', 'true');
              reason.focus();
            }
            return;
          }
          submit.disabled = true;
          try {
            const result = await ctx.api.call(decideTask, { path: { id }, body: checked.body });
            status.textContent = result.status === 'information-requested' ? m.asked : m.recorded;
            ctx.refresh();
          } catch (error) {
            if (error instanceof ApiError && decisionOutcome(error.status) === 'already-decided') {
              status.replaceChildren(h('strong', { class: 'already-decided' }, m.alreadyDecided));
            } else throw error;
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h2', { id: 'decision-title' }, m.decisionTitle),
      status,
      open
        ? [
            h(
              'fieldset',
              { 'aria-describedby': 'decision-error' },
              h('legend', null, m.decision),
              choices.map(([value, label]) =>
                h(
                  'label',
                  { class: 'check', for: `decision-${value}` },
                  h('input', { type: 'radio', name: 'decision', id: `decision-${value}`, value }),
                  ` ${label}`,
                ),
              ),
              decisionErr,
            ),
            h('div', { class: 'field' }, h('label', { for: 'decision-reason' }, m.reason), reason, reasonErr),
            h('div', { class: 'field' }, h('label', { for: 'decision-basis' }, m.citedBasis), basis),
            h('p', { class: 'actions' }, submit),
          ]
        : h('p', { class: 'notice' }, m.notOpen.replace('{status}', task.status)),
    );

    const reassignStatus = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
    const roleSelect = h(
      'select',
      { id: 'reassign-role', 'aria-describedby': 'reassign-role-error' },
      h('option', { value: '' }, '—'),
      OFFICIAL_ROLES.filter((r) => r !== task.role).map((r) => h('option', { value: r }, t(`role.${r}`))),
    );
    const roleErr = h('p', { class: 'field-error', id: 'reassign-role-error' });
    const whyErr = h('p', { class: 'field-error', id: 'reassign-reason-error' });
    const why = h('input', {
      id: 'reassign-reason',
      type: 'text',
      'aria-describedby': 'reassign-reason-error',
    });
    const reassign = open
      ? h(
          'form',
          {
            class: 'card form',
            'aria-labelledby': 'reassign-title',
            novalidate: true,
            onsubmit: async (event: Event) => {
              event.preventDefault();
              const checked = checkReassign({ role: roleSelect.value, reason: why.value }, lang);
              roleErr.textContent = checked.ok ? '' : (checked.errors.role ?? '');
              whyErr.textContent = checked.ok ? '' : (checked.errors.reason ?? '');
              if (!checked.ok) return;
              const moved = await ctx.api.call(reassignTask, { path: { id }, body: checked.body });
              reassignStatus.textContent = m.reassigned.replace(
                '{role}',
                t(`role.${moved.role as 'investor'}`),
              );
            },
          },
          h('h2', { id: 'reassign-title' }, m.reassignTitle),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'reassign-role' }, m.reassignRole),
            roleSelect,
            roleErr,
          ),
          h('div', { class: 'field' }, h('label', { for: 'reassign-reason' }, m.reassignReason), why, whyErr),
          h(
            'p',
            { class: 'actions' },
            h('button', { type: 'submit', class: 'button secondary' }, m.reassignSubmit),
          ),
          reassignStatus,
        )
      : null;

    mount(
      root,
      h('p', null, h('a', { href: '#/inbox' }, `← ${m.navInbox}`)),
      summary,
      checks,
      decisionForm,
      reassign,
    );
  },
};
