/**
 * One application: where it is (a step-by-step progress view from its status and route), the next
 * statutory due date in working days, the matched sites with each score's breakdown, the plot, the
 * route's legal basis, the timeline; the investor answers a request for information and may withdraw
 * (with a reason, confirmed). Officials reading the application see the same, without the forms.
 */
import {
  getApplication,
  getApplicationTimeline,
  respondToApplication,
  withdrawApplication,
} from '../../../../shared/http/applications.ts';
import { ApiError, type Output } from '../../api.ts';
import { facts, loading, sampleBadge } from '../../components.ts';
import { h, mount } from '../../dom.ts';
import type { Page } from '../../router.ts';
import { dueLabel, dueState, formatDate, formatInstant, vietnamDateOf } from '../../views/due.ts';
import { progressSteps, STATE_SYMBOLS, stateLabel, stepTitle } from '../../views/progress.ts';
import { eventLabel } from './labels.ts';
import { messages, SCORE_LABELS, STATUS_LABELS } from './messages.ts';

/** How often an open application is re-read while its page is shown. */
const FOLLOW_MS = 1_500;

type TimelineItem = Output<typeof getApplicationTimeline>['items'][number];
type MatchedSite = Output<typeof getApplication>['matchedSites'][number];

export const page: Page = {
  path: '/applications/:id',
  title: (_t, params) => params.id ?? '',
  roles: ['investor', 'zone-board-officer', 'environment-officer', 'provincial-officer'],
  async render(root, ctx) {
    const { lang } = ctx;
    const m = messages(lang);
    const id = ctx.params.id ?? '';
    mount(root, loading(ctx.t));
    const [app, timeline] = await Promise.all([
      ctx.api.call(getApplication, { path: { id }, signal: ctx.signal }),
      ctx.api.call(getApplicationTimeline, {
        path: { id },
        query: { limit: '100' as never },
        signal: ctx.signal,
      }),
    ]);
    ctx.setTitle(`${app.project.name} · ${STATUS_LABELS[app.status]?.[lang] ?? app.status}`);
    const isInvestor = ctx.user?.roles.includes('investor') ?? false;
    const items = [...timeline.items];
    const now = new Date().toISOString();

    const approved = items
      .filter((e) => e.type === 'approval.approved')
      .map((e) => String(e.details.stageId));
    const rejected = items.find((e) => e.type === 'approval.rejected')?.details.stageId;
    const steps = progressSteps({
      status: app.status,
      stages: (app.route?.stages ?? []).map((s) => ({
        id: s.id,
        title: s.title,
        legalBasis: s.legalBasis,
        order: s.order,
      })),
      approvedStageIds: approved,
      ...(typeof rejected === 'string' ? { rejectedStageId: rejected } : {}),
      plotHeld: app.plot !== null || items.some((e) => e.type === 'plot.held'),
    });

    const statusLine = h(
      'p',
      { class: `app-status status-${app.status}`, 'data-status': app.status },
      h('strong', null, `${m.status}: `),
      h('span', { class: 'badge', id: 'app-status' }, STATUS_LABELS[app.status]?.[lang] ?? app.status),
      app.terminal ? null : ` · ${m.currentStage}: ${app.stage}`,
      app.terminal ? h('span', { class: 'muted' }, ` · ${m.terminal}`) : null,
    );

    const progress = h(
      'section',
      { class: 'card', 'aria-labelledby': 'progress-title' },
      h('h2', { id: 'progress-title' }, m.progress),
      h(
        'ol',
        { class: 'progress-steps' },
        steps.map((s) =>
          h(
            'li',
            { class: `step step-${s.state}`, ...(s.state === 'current' ? { 'aria-current': 'step' } : {}) },
            h('span', { class: 'step-symbol', 'aria-hidden': 'true' }, STATE_SYMBOLS[s.state]),
            h('span', { class: 'step-title' }, stepTitle(s, lang)),
            h('span', { class: 'step-state' }, ` (${stateLabel(s.state, lang)})`),
            s.stage?.legalBasis ? h('span', { class: 'muted step-basis' }, ` · ${s.stage.legalBasis}`) : null,
          ),
        ),
      ),
      dueBlock(),
    );

    function dueBlock(): HTMLElement {
      if (app.status === 'information-requested') return h('p', { class: 'notice' }, m.paused);
      if (!app.nextDueAt) return h('p', { class: 'muted' }, m.noDue);
      const state = dueState(now, app.nextDueAt);
      return h(
        'p',
        { class: state.overdue ? 'due overdue' : 'due' },
        h('strong', null, `${m.nextDue}: `),
        formatDate(vietnamDateOf(app.nextDueAt), lang),
        ` (${dueLabel(state, lang)})`,
      );
    }

    const answer = isInvestor && app.status === 'information-requested' ? answerForm() : null;
    const withdraw = isInvestor && !app.terminal ? withdrawForm() : null;

    function answerForm(): HTMLElement {
      const ask = [...items].reverse().find((e) => e.type === 'approval.information-requested');
      const questions = Array.isArray(ask?.details.questions) ? ask.details.questions.map(String) : [];
      const text = h('textarea', { id: 'answer-text', rows: 4, 'aria-describedby': 'answer-error' });
      const err = h('p', { class: 'field-error', id: 'answer-error', role: 'alert' });
      const button = h('button', { type: 'submit', class: 'button' }, m.answerSend);
      return h(
        'form',
        {
          class: 'card form',
          'aria-labelledby': 'answer-title',
          novalidate: true,
          onsubmit: async (event: Event) => {
            event.preventDefault();
            const value = text.value.trim();
            if (!value) {
              err.textContent = m.answerEmpty;
              text.setAttribute('aria-invalid', 'true');
              text.focus();
              return;
            }
            button.disabled = true;
            try {
              await ctx.api.call(respondToApplication, { path: { id }, body: { answer: value } });
              ctx.refresh();
            } finally {
              button.disabled = false;
            }
          },
        },
        h('h2', { id: 'answer-title' }, m.answerTitle),
        questions.length
          ? h(
              'ul',
              { class: 'questions' },
              questions.map((q) => h('li', null, q)),
            )
          : null,
        h('div', { class: 'field' }, h('label', { for: 'answer-text' }, m.answerLabel), text, err),
        h('p', { class: 'actions' }, button),
      );
    }

    function withdrawForm(): HTMLElement {
      const reason = h('textarea', { id: 'withdraw-reason', rows: 2, 'aria-describedby': 'withdraw-error' });
      const err = h('p', { class: 'field-error', id: 'withdraw-error', role: 'alert' });
      const confirm = h('div', { class: 'confirm', hidden: true });
      const start = h('button', { type: 'submit', class: 'button secondary' }, m.withdrawButton);
      const yes = h('button', { type: 'button', class: 'button danger' }, m.withdrawYes);
      const no = h('button', { type: 'button', class: 'button secondary' }, m.withdrawNo);
      confirm.append(
        h('p', { id: 'withdraw-confirm-text' }, m.withdrawConfirm),
        h('p', { class: 'actions' }, yes, ' ', no),
      );
      confirm.setAttribute('role', 'group');
      confirm.setAttribute('aria-labelledby', 'withdraw-confirm-text');
      no.addEventListener('click', () => {
        confirm.hidden = true;
        start.hidden = false;
        start.focus();
      });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await ctx.api.call(withdrawApplication, { path: { id }, body: { reason: reason.value.trim() } });
          ctx.refresh();
        } catch (error) {
          if (error instanceof ApiError && error.status === 409) ctx.refresh();
          else throw error;
        } finally {
          yes.disabled = false;
        }
      });
      return h(
        'form',
        {
          class: 'card form',
          'aria-labelledby': 'withdraw-title',
          novalidate: true,
          onsubmit: (event: Event) => {
            event.preventDefault();
            if (!reason.value.trim()) {
              err.textContent = m.withdrawEmpty;
              reason.setAttribute('aria-invalid', 'true');
              reason.focus();
              return;
            }
            err.textContent = '';
            reason.removeAttribute('aria-invalid');
            start.hidden = true;
            confirm.hidden = false;
            yes.focus();
          },
        },
        h('h2', { id: 'withdraw-title' }, m.withdrawTitle),
        h('div', { class: 'field' }, h('label', { for: 'withdraw-reason' }, m.withdrawReason), reason, err),
        h('p', { class: 'actions' }, start),
        confirm,
      );
    }

    const sites = [...app.matchedSites].sort((a, b) => a.rank - b.rank);
    const scoreText = (score: number | null) => (score === null ? '–' : ctx.fmt.number(score));

    /** One site's rank and why: its criteria, weights and points in a table (not colour alone). */
    function siteBreakdown(site: MatchedSite): HTMLElement {
      const caption = m.breakdownOf.replace('{plot}', site.plotId).replace('{rank}', String(site.rank));
      const summary = h(
        'summary',
        null,
        `${m.rank} ${site.rank} · ${m.plot} ${site.plotId} · ${m.score} ${scoreText(site.score)}/100`,
        site.held ? h('strong', null, ` (${m.held})`) : null,
      );
      if (!site.breakdown?.length) {
        return h(
          'details',
          { class: 'breakdown', 'data-plot': site.plotId },
          summary,
          h('p', { class: 'muted' }, m.noLongerFits),
        );
      }
      const total = (pick: (c: { weight: number; points: number }) => number) =>
        Math.round((site.breakdown ?? []).reduce((sum, c) => sum + pick(c), 0) * 100) / 100;
      return h(
        'details',
        { class: 'breakdown', 'data-plot': site.plotId, open: site.held || site.rank <= 3 },
        summary,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            null,
            h('caption', { class: 'visually-hidden' }, caption),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col' }, m.component),
                h('th', { scope: 'col', class: 'num' }, m.weight),
                h('th', { scope: 'col', class: 'num' }, m.points),
                h('th', { scope: 'col' }, m.why),
              ),
            ),
            h(
              'tbody',
              null,
              site.breakdown.map((c) =>
                h(
                  'tr',
                  { 'data-criterion': c.name },
                  h('th', { scope: 'row' }, SCORE_LABELS[c.name]?.[lang] ?? c.name),
                  h('td', { class: 'num' }, ctx.fmt.number(c.weight)),
                  h('td', { class: 'num' }, ctx.fmt.number(c.points)),
                  h('td', null, c.note),
                ),
              ),
            ),
            h(
              'tfoot',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'row' }, m.total),
                h('td', { class: 'num' }, ctx.fmt.number(total((c) => c.weight))),
                h('td', { class: 'num' }, ctx.fmt.number(total((c) => c.points))),
                h('td', null, ''),
              ),
            ),
          ),
        ),
      );
    }

    const matched = h(
      'section',
      { class: 'card', 'aria-labelledby': 'matched-title' },
      h('h2', { id: 'matched-title' }, m.matched, app.matchedSites.length ? sampleBadge(ctx.t) : null),
      app.matchedSites.length === 0
        ? h('p', { class: 'muted' }, m.noMatches)
        : [
            h('p', { class: 'muted' }, m.matchedIntro),
            h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'matched-sites' },
                h('caption', { class: 'visually-hidden' }, m.matched),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h('th', { scope: 'col' }, m.rank),
                    h('th', { scope: 'col' }, m.plot),
                    h('th', { scope: 'col', class: 'num' }, m.score),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  sites.map((s) =>
                    h(
                      'tr',
                      null,
                      h('td', null, String(s.rank)),
                      h('td', null, s.plotId, s.held ? h('strong', null, ` (${m.held})`) : null),
                      h('td', { class: 'num' }, scoreText(s.score)),
                    ),
                  ),
                ),
              ),
            ),
            h('p', { class: 'muted' }, m.matchedNow),
            sites.map((s) => siteBreakdown(s)),
          ],
    );

    const about = h(
      'section',
      { class: 'card', 'aria-labelledby': 'about-title' },
      h('h2', { id: 'about-title' }, m.project),
      facts([
        [m.project, app.project.name],
        [m.filed, formatInstant(app.filedAt, lang)],
        app.plot
          ? [
              m.plotHeld,
              [
                `${app.plot.plotId} · ${app.plot.zoneName ?? app.plot.zoneId}`,
                app.plot.holdExpiresAt
                  ? ` · ${m.holdUntil.replace('{date}', formatInstant(app.plot.holdExpiresAt, lang))}`
                  : '',
                sampleBadge(ctx.t),
              ],
            ]
          : null,
        app.waitingReason ? [m.waitingReason, app.waitingReason] : null,
        app.closedReason ? [m.closedReason, app.closedReason] : null,
        app.certificateReference ? [m.certificate, app.certificateReference] : null,
        app.route ? [m.route, `${app.route.ruleSetId} · ${app.route.pathId}`] : null,
      ]),
      app.route?.legalBasis.length
        ? [
            h('h3', null, m.legalBasis),
            h(
              'ul',
              null,
              app.route.legalBasis.map((b) =>
                h('li', null, b.article ? `${b.instrument}, ${b.article}` : b.instrument),
              ),
            ),
          ]
        : null,
    );

    const timelineBody = h('tbody', null);
    const addRows = (list: readonly TimelineItem[]) =>
      timelineBody.append(
        ...list.map((e) =>
          h(
            'tr',
            { 'data-type': e.type },
            h('td', null, formatInstant(e.at, lang)),
            h(
              'td',
              null,
              eventLabel(e.type, lang),
              e.legalBasis ? h('span', { class: 'muted' }, ` · ${e.legalBasis}`) : null,
            ),
            h('td', null, e.actor),
            h('td', null, e.dueAt ? formatDate(vietnamDateOf(e.dueAt), lang) : ''),
          ),
        ),
      );
    addRows(items);
    let cursor = timeline.nextCursor;
    const more = h('button', { type: 'button', class: 'button secondary', hidden: !cursor }, m.moreTimeline);
    more.addEventListener('click', async () => {
      if (!cursor) return;
      const next = await ctx.api.call(getApplicationTimeline, {
        path: { id },
        query: { limit: '100' as never, cursor },
        signal: ctx.signal,
      });
      addRows(next.items);
      cursor = next.nextCursor;
      more.hidden = !cursor;
    });
    const timelineSection = h(
      'section',
      { class: 'card', 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, m.timeline),
      items.length === 0
        ? h('p', { class: 'muted' }, m.timelineEmpty)
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'timeline' },
              h('caption', { class: 'visually-hidden' }, m.timeline),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { scope: 'col' }, m.when),
                  h('th', { scope: 'col' }, m.what),
                  h('th', { scope: 'col' }, m.who),
                  h('th', { scope: 'col' }, m.due),
                ),
              ),
              timelineBody,
            ),
          ),
      more,
    );

    mount(root, statusLine, answer, progress, matched, about, timelineSection, withdraw);
    if (app.terminal) return;
    // While the application moves, follow it: re-render when it changed, unless the reader is typing.
    const seen = app.updatedAt;
    let busy = false;
    const timer = setInterval(async () => {
      if (busy || ctx.signal.aborted) return;
      busy = true;
      try {
        const now = await ctx.api.call(getApplication, { path: { id }, signal: ctx.signal });
        const typing = [...root.querySelectorAll<HTMLTextAreaElement>('textarea')].some((t) =>
          t.value.trim(),
        );
        const confirming = root.querySelector('.confirm:not([hidden])') !== null;
        if (now.updatedAt !== seen && !typing && !confirming) ctx.refresh();
      } catch {
        // a failed poll changes nothing; the next one tries again
      } finally {
        busy = false;
      }
    }, FOLLOW_MS);
    return () => clearInterval(timer);
  },
};
