/**
 * The official's inbox: open tasks of one of their roles and scopes, earliest due first, with the time
 * left in working days and overdue tasks marked (by a word and a symbol, not colour alone). Paged by
 * the API's cursor, 25 at a time, so 1,000 open tasks never reach the browser at once.
 */
import { OFFICIAL_ROLES } from '../../../../shared/http/roles.ts';
import { listTasks } from '../../../../shared/http/routes.ts';
import { loading } from '../../components.ts';
import { h, mount } from '../../dom.ts';
import type { Page } from '../../router.ts';
import { dueLabel, formatDate, vietnamDateOf } from '../../views/due.ts';
import {
  firstPage,
  goNext,
  goPrevious,
  inboxRows,
  type Pager,
  pageLoaded,
  pageNumber,
} from '../../views/inbox.ts';
import { langOf } from '../investor/labels.ts';
import { messages } from './messages.ts';

const PAGE_SIZE = 25;

export const page: Page = {
  path: '/inbox',
  title: (t) => messages(langOf(t)).inboxTitle,
  roles: OFFICIAL_ROLES,
  nav: { label: (t) => messages(langOf(t)).navInbox, order: 40 },
  async render(root, ctx) {
    const { lang, t } = ctx;
    const m = messages(lang);
    const user = ctx.user;
    const roles = OFFICIAL_ROLES.filter((r) => user?.roles.includes(r) || user?.roles.includes('admin'));
    const scopes = [...(user?.zones ?? [])];
    if (user?.roles.includes('provincial-officer') && !scopes.includes('province')) scopes.push('province');
    const role = ctx.query.get('role') ?? roles[0] ?? '';
    const scope = ctx.query.get('scope') ?? '';
    let pager: Pager = firstPage;

    const roleSelect = h(
      'select',
      { id: 'inbox-role', name: 'role' },
      roles.map((r) => h('option', { value: r, selected: r === role }, t(`role.${r}`))),
    );
    const scopeSelect = h(
      'select',
      { id: 'inbox-scope', name: 'scope' },
      h('option', { value: '' }, '—'),
      scopes.map((s) => h('option', { value: s, selected: s === scope }, s)),
    );
    const filters = h(
      'form',
      {
        class: 'filters',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const q = new URLSearchParams({
            role: roleSelect.value,
            ...(scopeSelect.value ? { scope: scopeSelect.value } : {}),
          });
          ctx.navigate(`/inbox?${q}`);
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'inbox-role' }, m.role), roleSelect),
      h('div', { class: 'field' }, h('label', { for: 'inbox-scope' }, m.scope), scopeSelect),
      h('button', { type: 'submit', class: 'button secondary' }, m.show),
    );
    const region = h('div', { 'aria-live': 'polite' });
    mount(root, h('p', null, m.inboxIntro), filters, region);

    /** Which pager control had the focus, to give it back after the page loaded (keyboard paging). */
    async function load(focus?: 'previous' | 'next') {
      region.replaceChildren(loading(t));
      const result = await ctx.api.call(listTasks, {
        query: {
          ...(role ? { role: role as never } : {}),
          ...(scope ? { scope } : {}),
          limit: String(PAGE_SIZE) as never,
          ...(pager.current ? { cursor: pager.current } : {}),
        },
        signal: ctx.signal,
      });
      pager = pageLoaded(pager, result.nextCursor);
      const now = new Date().toISOString();
      const rows = inboxRows(result.items, now);
      const prev = h(
        'button',
        { type: 'button', class: 'button secondary', disabled: pageNumber(pager) === 1 },
        m.previous,
      );
      const next = h('button', { type: 'button', class: 'button secondary', disabled: !pager.next }, m.next);
      prev.addEventListener('click', () => {
        pager = goPrevious(pager);
        void load('previous');
      });
      next.addEventListener('click', () => {
        pager = goNext(pager);
        void load('next');
      });
      const pageLabel = m.page.replace('{n}', String(pageNumber(pager)));
      const label = h(
        'span',
        { tabindex: -1, 'data-testid': 'inbox-page', 'data-page': pageNumber(pager) },
        pageLabel,
      );
      region.replaceChildren(
        h('p', { class: 'muted' }, `${t(`role.${result.role}`)} · ${result.scope}`),
        rows.length === 0
          ? h('p', { class: 'muted' }, m.empty)
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'inbox' },
                h('caption', { class: 'visually-hidden' }, m.inboxTitle),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h('th', { scope: 'col' }, m.task),
                    h('th', { scope: 'col' }, m.application),
                    h('th', { scope: 'col' }, m.due),
                    h('th', { scope: 'col' }, m.left),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  rows.map(({ task, due, overdue }) => {
                    const title = (task.title as { vi?: string; en?: string } | undefined)?.[lang];
                    return h(
                      'tr',
                      { class: overdue ? 'overdue' : '', 'data-task': task.taskId, 'data-due': task.dueAt },
                      h(
                        'td',
                        null,
                        h(
                          'a',
                          { href: `#/tasks/${encodeURIComponent(task.taskId)}` },
                          title ?? String(task.stageId ?? task.taskId),
                        ),
                      ),
                      h('td', null, task.applicationId),
                      h('td', null, formatDate(vietnamDateOf(task.dueAt), lang)),
                      h(
                        'td',
                        null,
                        overdue
                          ? h(
                              'strong',
                              { class: 'overdue-mark' },
                              h('span', { 'aria-hidden': 'true' }, '⚠ '),
                              dueLabel(due, lang),
                            )
                          : dueLabel(due, lang),
                      ),
                    );
                  }),
                ),
              ),
            ),
        h('nav', { class: 'pager', 'aria-label': pageLabel }, prev, ' ', label, ' ', next),
      );
      // The pager's buttons were replaced: the one pressed keeps the focus (else the page number does),
      // so a keyboard user pages on without tabbing through the table again.
      if (focus) {
        const again = focus === 'next' ? next : prev;
        (again.disabled ? label : again).focus();
      }
    }
    await load();
  },
};
