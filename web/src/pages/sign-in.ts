/**
 * Sign-in. On AWS: one button that sends the person to Cognito's managed login (authorization code with
 * PKCE, `auth.ts`); the console never asks for a password, and says why a sign-in that came back did not
 * complete. In the local build (`__LOCAL__`): a labelled form for user name and password against the
 * local issuer, and the local cloud's demo users with a button each; the AWS build has no such code.
 */
import { beginSignIn, demoUsers, SignInError, signIn } from '../auth.ts';
import type { ConsoleConfig } from '../config.ts';
import { h, mount } from '../dom.ts';
import { pageMessages } from '../i18n/index.ts';
import type { Page, PageContext } from '../router.ts';
import type { Shell } from '../shell.ts';

const messages = pageMessages({
  en: {
    continue: 'Sign in',
    leaving: 'Opening the sign-in page…',
    state:
      'That sign-in could not be checked (it did not start here, or it was already used). Please sign in again.',
    denied: 'The sign-in was cancelled or refused. You can try again.',
    exchange: 'The sign-in could not be completed. Please try again.',
  },
  vi: {
    continue: 'Đăng nhập',
    leaving: 'Đang mở trang đăng nhập…',
    state:
      'Không thể xác minh lần đăng nhập này (không bắt đầu từ đây hoặc đã được dùng). Vui lòng đăng nhập lại.',
    denied: 'Việc đăng nhập đã bị huỷ hoặc bị từ chối. Bạn có thể thử lại.',
    exchange: 'Không thể hoàn tất đăng nhập. Vui lòng thử lại.',
  },
});

/** A safe place to go after signing in: a console path, never another origin. */
function nextPath(query: URLSearchParams): string {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

function notices(ctx: PageContext) {
  const m = messages(ctx.lang);
  const failed = ctx.query.get('failed');
  return [
    ctx.query.get('signedOut')
      ? h('p', { class: 'notice', role: 'status' }, ctx.t('signIn.signedOut'))
      : null,
    failed === 'state' || failed === 'denied' || failed === 'exchange'
      ? h('p', { class: 'form-status', role: 'alert', 'data-testid': 'sign-in-failed' }, m[failed])
      : null,
  ];
}

export function signInPage(config: ConsoleConfig, shell: Shell): Page {
  return {
    path: '/sign-in',
    title: (t) => t('signIn.title'),
    async render(root, ctx) {
      const { t } = ctx;
      const auth = config.auth;
      if (auth.kind === 'cognito') {
        const m = messages(ctx.lang);
        const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
        const button = h(
          'button',
          {
            type: 'button',
            class: 'button',
            'data-testid': 'managed-sign-in',
            onclick: () => {
              button.disabled = true;
              status.textContent = m.leaving;
              void beginSignIn(auth, nextPath(ctx.query));
            },
          },
          m.continue,
        );
        mount(
          root,
          ...notices(ctx),
          h('section', { class: 'card form' }, h('p', null, t('signIn.aws')), button, status),
        );
        return;
      }
      // `__LOCAL__` is false in the AWS build: esbuild drops this call, and with it the function.
      if (__LOCAL__ && auth.kind === 'local') await localSignIn(root, ctx, config, shell);
    },
  };
}

/** The local cloud's sign-in: user name and password against the local issuer, and the demo users. */
async function localSignIn(root: HTMLElement, ctx: PageContext, config: ConsoleConfig, shell: Shell) {
  const { t } = ctx;
  const auth = config.auth;
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
      const session = await signIn(auth, config.apiUrl, user, pass);
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
  mount(root, ...notices(ctx), form);
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
