/**
 * The notifications panel: the signed-in person's notifications from the session's live feed
 * (`notifications.ts`), newest first, with the unread count, each unread one marked by a word (not
 * colour alone) and a button to mark it read. It follows the feed while the page is shown: a
 * notification that arrives appears without a reload.
 */
import { h } from './dom.ts';
import { currentFeed, type FeedState, type Notification } from './notifications.ts';
import type { PageContext } from './router.ts';
import { formatDate, formatInstant, vietnamDateOf } from './views/due.ts';

export function notificationsPanel(ctx: PageContext, options: { heading?: boolean } = {}): HTMLElement {
  const { t, lang } = ctx;
  const feed = currentFeed();
  const status = h('p', { class: 'muted', id: 'notifications-count' });
  const mode = h('p', { class: 'muted', 'data-testid': 'notifications-mode' });
  const list = h('ul', { class: 'notifications', 'aria-labelledby': 'notifications-title' });
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'notifications-title', id: 'notifications' },
    h(
      'h2',
      {
        id: 'notifications-title',
        tabindex: -1,
        class: options.heading === false ? 'visually-hidden' : null,
      },
      t('nav.notifications'),
    ),
    status,
    mode,
    list,
  );
  if (!feed) {
    status.textContent = t('notif.unavailable');
    status.dataset.testid = 'notifications-unavailable';
    return section;
  }

  const item = (n: Notification) =>
    h(
      'li',
      {
        'data-event': n.event,
        'data-seq': n.seq,
        'data-application': n.applicationId,
        class: n.readAt ? 'read' : 'unread',
      },
      h(
        'p',
        { class: 'notification-head' },
        n.readAt ? null : h('span', { class: 'badge unread-mark' }, t('notif.isUnread')),
        h('strong', null, n.title),
        ` · ${formatInstant(n.createdAt, lang)}`,
      ),
      h('p', null, n.body),
      n.dueAt
        ? h('p', { class: 'muted' }, t('notif.due', { date: formatDate(vietnamDateOf(n.dueAt), lang) }))
        : null,
      n.readAt
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'button secondary',
              'aria-label': `${t('notif.markRead')}: ${n.title}`,
              onclick: (event: Event) => {
                (event.currentTarget as HTMLButtonElement).disabled = true;
                void feed.markRead(n.id).catch(() => {
                  (event.currentTarget as HTMLButtonElement | null)?.removeAttribute('disabled');
                });
              },
            },
            t('notif.markRead'),
          ),
    );

  const show = (state: FeedState) => {
    status.textContent =
      state.mode === 'unavailable' ? t('notif.unavailable') : t('notif.unread', { n: state.unread });
    mode.textContent =
      state.mode === 'stream' ? t('notif.live') : state.mode === 'polling' ? t('notif.polling') : '';
    mode.dataset.mode = state.mode;
    // Keep the focused button's row when nothing about it changed, so a keyboard user is not thrown out.
    const active = document.activeElement;
    const focused =
      active && list.contains(active) ? active.closest('li[data-seq]')?.getAttribute('data-seq') : undefined;
    list.replaceChildren(
      ...(state.items.length === 0 && state.mode !== 'loading'
        ? [h('li', { class: 'muted' }, t('notif.none'))]
        : state.items.map(item)),
    );
    if (focused) {
      const again = list.querySelector<HTMLElement>(`li[data-seq="${focused}"] button`);
      (again ?? section.querySelector<HTMLElement>('h2'))?.focus();
    }
  };
  const unsubscribe = feed.subscribe(show);
  ctx.signal.addEventListener('abort', unsubscribe, { once: true });
  return section;
}
