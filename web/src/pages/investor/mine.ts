/** The investor's own applications, newest first, a page at a time (the API's cursor). */
import { listApplications } from '../../../../shared/http/applications.ts';
import { loading } from '../../components.ts';
import { h, mount } from '../../dom.ts';
import type { Page } from '../../router.ts';
import { formatInstant } from '../../views/due.ts';
import { firstPage, goNext, goPrevious, type Pager, pageLoaded, pageNumber } from '../../views/inbox.ts';
import { langOf } from './labels.ts';
import { messages, STATUS_LABELS } from './messages.ts';

export const page: Page = {
  path: '/applications',
  title: (t) => messages(langOf(t)).mineTitle,
  roles: ['investor'],
  nav: { label: (t) => messages(langOf(t)).navMine, order: 31 },
  async render(root, ctx) {
    const { lang } = ctx;
    const m = messages(lang);
    let pager: Pager = firstPage;
    const region = h('div', { 'aria-live': 'polite' });
    mount(
      root,
      h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/apply' }, m.navApply)),
      region,
    );

    async function load() {
      region.replaceChildren(loading(ctx.t));
      const page = await ctx.api.call(listApplications, {
        query: { limit: '20' as never, ...(pager.current ? { cursor: pager.current } : {}) },
        signal: ctx.signal,
      });
      pager = pageLoaded(pager, page.nextCursor);
      if (page.items.length === 0 && pageNumber(pager) === 1) {
        region.replaceChildren(h('p', { class: 'muted' }, m.mineEmpty));
        return;
      }
      const prev = h(
        'button',
        { type: 'button', class: 'button secondary', disabled: pageNumber(pager) === 1 },
        m.previous,
      );
      const next = h('button', { type: 'button', class: 'button secondary', disabled: !pager.next }, m.next);
      prev.addEventListener('click', () => {
        pager = goPrevious(pager);
        void load();
      });
      next.addEventListener('click', () => {
        pager = goNext(pager);
        void load();
      });
      region.replaceChildren(
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'applications' },
            h('caption', { class: 'visually-hidden' }, m.mineTitle),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col' }, m.project),
                h('th', { scope: 'col' }, m.status),
                h('th', { scope: 'col' }, m.filed),
                h('th', { scope: 'col' }, m.site),
              ),
            ),
            h(
              'tbody',
              null,
              page.items.map((a) =>
                h(
                  'tr',
                  { 'data-id': a.id },
                  h(
                    'td',
                    null,
                    h('a', { href: `#/applications/${encodeURIComponent(a.id)}` }, a.projectName),
                  ),
                  h('td', null, STATUS_LABELS[a.status]?.[lang] ?? a.status),
                  h('td', null, formatInstant(a.filedAt, lang)),
                  h('td', null, a.plotId ? `${a.plotId} (${a.zoneId ?? ''})` : '–'),
                ),
              ),
            ),
          ),
        ),
        h(
          'nav',
          { class: 'pager', 'aria-label': m.page.replace('{n}', String(pageNumber(pager))) },
          prev,
          ' ',
          h('span', null, m.page.replace('{n}', String(pageNumber(pager)))),
          ' ',
          next,
        ),
      );
    }
    await load();
  },
};
