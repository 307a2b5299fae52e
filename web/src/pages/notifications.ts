/**
 * Every signed-in person's notifications (the header's badge links here): the live panel, which follows
 * the session's notification stream (or polls when the stream is not reachable).
 */
import { ROLES } from '../../../shared/http/roles.ts';
import { mount } from '../dom.ts';
import { notificationsPanel } from '../notifications-view.ts';
import type { Page } from '../router.ts';

export const page: Page = {
  path: '/notifications',
  title: (t) => t('nav.notifications'),
  roles: ROLES,
  render(root, ctx) {
    mount(root, notificationsPanel(ctx, { heading: false }));
  },
};
