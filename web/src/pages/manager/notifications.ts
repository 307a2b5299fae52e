/**
 * The signed-in person's notifications (`GET /notifications`, newest first, with the unread count). When
 * the API has no such route (404) or it is not reachable, the panel says notifications are not
 * available yet instead of failing the page.
 */
import { listNotifications } from '../../../../shared/http/notifications.ts';
import { ApiError, NetworkError } from '../../api.ts';
import { h } from '../../dom.ts';
import type { PageContext } from '../../router.ts';
import { formatInstant } from '../../views/due.ts';
import { messages } from './messages.ts';

export function notificationsPanel(ctx: PageContext): HTMLElement {
  const m = messages(ctx.lang);
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, ctx.t('common.loading')));
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'notifications-title', id: 'notifications' },
    h('h2', { id: 'notifications-title' }, m.notifications),
    body,
  );
  ctx.api
    .call(listNotifications, { query: { limit: '20' as never }, signal: ctx.signal })
    .then((page) => {
      body.replaceChildren(
        h('p', { class: 'muted' }, m.unread.replace('{n}', String(page.unread))),
        page.items.length === 0
          ? h('p', { class: 'muted' }, m.noNotifications)
          : h(
              'ul',
              { class: 'notifications' },
              page.items.map((n) =>
                h(
                  'li',
                  { 'data-event': n.event },
                  h('strong', null, n.title),
                  ` · ${formatInstant(n.createdAt, ctx.lang)}`,
                  h('br', null),
                  n.body,
                ),
              ),
            ),
      );
    })
    .catch((error: unknown) => {
      if (ctx.signal.aborted) return;
      if (
        (error instanceof ApiError && (error.status === 404 || error.status === 405)) ||
        error instanceof NetworkError
      ) {
        body.replaceChildren(
          h('p', { class: 'muted', 'data-testid': 'notifications-unavailable' }, m.notificationsUnavailable),
        );
      } else {
        body.replaceChildren(
          h('p', { class: 'field-error' }, error instanceof Error ? error.message : String(error)),
        );
      }
    });
  return section;
}
