/**
 * Sign-in: a labelled form for user name and password. In the local build (`__LOCAL__`), the local
 * cloud's demo users are listed with a button each; the AWS build has no such code at all.
 */
import { demoUsers, SignInError, signIn } from '../auth.ts';
import type { ConsoleConfig } from '../config.ts';
import { h, mount } from '../dom.ts';
import type { Page } from '../router.ts';
import type { Shell } from '../shell.ts';

/** A safe place to go after signing in: a console path, never another origin. */
function nextPath(query: URLSearchParams): string {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

export function signInPage(config: ConsoleConfig, shell: Shell): Page {
  return {
    path: '/sign-in',
    title: (t) => t('signIn.title'),
    async render(root, ctx) {
      const { t } = ctx;
      const status = h('p', { class: 'form-status', role: 'alert', 'aria-live': 'assertive' });
      const username = h('input', {
        id: 'sign-in-username',
        name: 'username',
        autocomplete: 'username',
        required: true,
      });
      const password = h('input', {
        id: 'sign-in-password',
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
      });
      const submit = h('button', { type: 'submit', class: 'button' }, t('signIn.submit'));
      const go = async (user: string, pass: string) => {
        submit.disabled = true;
        status.textContent = '';
        try {
          const session = await signIn(config.auth, config.apiUrl, user, pass);
          shell.setSession(session);
          ctx.navigate(nextPath(ctx.query));
        } catch (error) {
          status.textContent = error instanceof SignInError ? t('signIn.failed') : String(error);
          submit.disabled = false;
          password.focus();
        }
      };
      const form = h(
        'form',
        {
          class: 'card form',
          novalidate: true,
          onsubmit: (e) => {
            e.preventDefault();
            void go(username.value.trim(), password.value);
          },
        },
        h('div', { class: 'field' }, h('label', { for: username.id }, t('signIn.username')), username),
        h('div', { class: 'field' }, h('label', { for: password.id }, t('signIn.password')), password),
        status,
        submit,
      );
      const notice = ctx.query.get('signedOut')
        ? h('p', { class: 'notice', role: 'status' }, t('signIn.signedOut'))
        : null;
      mount(root, notice, config.auth.kind === 'cognito' ? h('p', null, t('signIn.aws')) : null, form);
      if (__LOCAL__ && config.auth.kind === 'local') {
        const users = await demoUsers(config.apiUrl);
        if (users.length) {
          root.append(
            h(
              'section',
              { class: 'card demo-users', 'aria-labelledby': 'demo-users-title' },
              h('h2', { id: 'demo-users-title' }, t('signIn.demoTitle')),
              h('p', null, t('signIn.demoIntro')),
              h(
                'ul',
                { class: 'demo-list' },
                users.map((u) =>
                  h(
                    'li',
                    null,
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'button secondary',
                        'data-username': u.username,
                        onclick: () => void go(u.username, u.password),
                      },
                      t('signIn.demoAs', { name: u.username }),
                    ),
                    ' ',
                    h('span', { class: 'muted' }, [u.role, u.scope.length ? ` · ${u.scope.join(', ')}` : '']),
                  ),
                ),
              ),
            ),
          );
        }
      }
    },
  };
}
