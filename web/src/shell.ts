/**
 * The console's frame: header (name, navigation, language, who is signed in), the main region where
 * the current page renders, and the error pages. It owns the session and the language, and re-renders
 * the page when either changes.
 */
import type { Role } from '../../shared/http/roles.ts';
import { ApiError, createApiClient } from './api.ts';
import { clearSession, endSession, loadSession, type Session } from './auth.ts';
import type { ConsoleConfig } from './config.ts';
import { h, mount } from './dom.ts';
import { errorView } from './errors.ts';
import { formats, LANGS, type Lang, storedLang, storeLang, translator } from './i18n/index.ts';
import {
  connectFeed,
  currentFeed,
  type FeedState,
  notificationsStreamUrl,
  startFeed,
} from './notifications.ts';
import { signInPage } from './pages/sign-in.ts';
import { allowed, matchPage, type Page, type PageContext, parseHash } from './router.ts';

export interface Shell {
  /** Re-renders the current page. */
  refresh(): void;
  setSession(session: Session | undefined): void;
}

export function startShell(root: HTMLElement, config: ConsoleConfig, registered: readonly Page[]): Shell {
  let lang: Lang = storedLang();
  let session = loadSession();
  let current: { abort: AbortController; cleanup?: (() => void) | undefined } | undefined;
  let firstRender = true;

  const api = createApiClient({
    baseUrl: config.apiUrl,
    token: () => session?.token,
    onUnauthorized: () => {
      session = undefined;
      clearSession();
    },
  });

  const shell: Shell = {
    refresh: () => void render(),
    setSession(next) {
      session = next;
      if (!next) clearSession();
    },
  };
  const pages: readonly Page[] = [...registered, signInPage(config, shell)];

  const header = h('header', { class: 'site-header' });
  // The unread badge and the screen reader's announcement of new notifications live across renders.
  const bell = h('a', { href: '#/notifications', class: 'notif-link', 'data-testid': 'notifications-link' });
  const announcer = h('p', { class: 'visually-hidden', role: 'status', id: 'notifications-announcer' });
  let unsubscribeFeed: (() => void) | undefined;
  const streamUrl = notificationsStreamUrl(config);

  /** The session's notification feed follows the session: started at sign-in, ended at sign-out. */
  function syncFeed() {
    const before = currentFeed();
    connectFeed(session?.token, (token) => startFeed({ api, token, streamUrl }));
    const feed = currentFeed();
    if (feed === before) return;
    unsubscribeFeed?.();
    unsubscribeFeed = feed?.subscribe(showFeed);
  }

  function showFeed(state: FeedState) {
    const t = translator(lang);
    const badge =
      state.unread > 0 ? h('span', { class: 'count', 'aria-hidden': 'true' }, String(state.unread)) : null;
    bell.replaceChildren(t('nav.notifications'), badge ? ' ' : '', badge ?? '');
    bell.setAttribute('aria-label', t('notif.badge', { n: state.unread }));
    bell.dataset.unread = String(state.unread);
    const [newest] = state.arrived;
    if (newest) announcer.textContent = t('notif.arrived', { title: newest.title });
  }
  const main = h('main', { id: 'main', tabindex: '-1' });
  mount(
    root,
    h('a', { class: 'skip-link', href: '#main', onclick: skipToMain }, ''),
    header,
    main,
    h('footer', { class: 'site-footer' }),
  );

  function skipToMain(event: Event) {
    event.preventDefault();
    main.focus();
  }

  function renderHeader() {
    const t = translator(lang);
    const user = session?.user;
    const feed = currentFeed();
    if (feed) showFeed({ ...feed.state, arrived: [] });
    const skip = root.querySelector('.skip-link');
    if (skip) skip.textContent = t('nav.skip');
    const links = pages
      .filter((p) => p.nav && allowed(p, user) === 'yes')
      .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
    const here = parseHash(location.hash).path;
    const select = h(
      'select',
      { id: 'lang-select', onchange: (e) => setLang((e.target as HTMLSelectElement).value as Lang) },
      LANGS.map((l) => h('option', { value: l, selected: l === lang, lang: l }, t(`lang.${l}`))),
    );
    mount(
      header,
      h(
        'div',
        { class: 'brand' },
        h('a', { href: '#/', class: 'brand-link' }, t('app.name')),
        h('span', { class: 'tagline' }, t('app.tagline')),
      ),
      announcer,
      h(
        'nav',
        { 'aria-label': t('nav.main') },
        h(
          'ul',
          null,
          links.map((p) =>
            h(
              'li',
              null,
              h(
                'a',
                { href: `#${p.path}`, 'aria-current': here === p.path ? 'page' : null },
                p.nav?.label(t) ?? '',
              ),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'tools' },
        h('label', { for: 'lang-select', class: 'visually-hidden' }, t('lang.label')),
        select,
        user
          ? [
              h(
                'span',
                { class: 'user', 'data-testid': 'signed-in-user' },
                t('user.signedInAs', {
                  name: user.username,
                  role: user.roles.map((r: Role) => t(`role.${r}`)).join(', '),
                }),
              ),
              bell,
              h('button', { type: 'button', class: 'button secondary', onclick: signOut }, t('nav.signOut')),
            ]
          : h('a', { href: signInHref(), class: 'button' }, t('nav.signIn')),
      ),
    );
  }

  function signInHref(): string {
    const here = location.hash.replace(/^#/, '') || '/';
    return here.startsWith('/sign-in') ? '#/sign-in' : `#/sign-in?next=${encodeURIComponent(here)}`;
  }

  function signOut() {
    session = undefined;
    // On AWS the browser now leaves for Cognito's /logout, which comes back signed out.
    if (endSession(config.auth)) return;
    location.hash = '#/sign-in?signedOut=1';
    void render();
  }

  function setLang(next: Lang) {
    lang = next;
    storeLang(next);
    void render().then(() => document.getElementById('lang-select')?.focus());
  }

  async function render(): Promise<void> {
    session = session && loadSession() ? session : undefined;
    syncFeed();
    document.documentElement.lang = lang;
    renderHeader();
    current?.abort.abort();
    current?.cleanup?.();
    const abort = new AbortController();
    current = { abort };
    const t = translator(lang);
    const match = matchPage(pages, location.hash);
    const heading = h('h1', { tabindex: '-1' });
    const body = h('div', { class: 'page-body' });
    const setTitle = (text: string) => {
      heading.textContent = text;
      document.title = `${text} · ${t('app.name')}`;
    };
    mount(main, heading, body);
    const showError = (error: unknown) => {
      if (abort.signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        session = undefined;
        clearSession();
        const here = location.hash.replace(/^#/, '') || '/';
        location.replace(`#/sign-in?next=${encodeURIComponent(here)}`);
        return;
      }
      const view = errorView(t, error, () => void render());
      setTitle(view.title);
      main.dataset.error = String(view.status);
      mount(body, view.body);
    };
    delete main.dataset.error;
    if (!match) {
      showError(new ApiError(404, { status: 404, detail: parseHash(location.hash).path }));
    } else {
      setTitle(match.page.title(t, match.params));
      const access = allowed(match.page, session?.user);
      if (access === 'sign-in') {
        location.replace(signInHref());
        return;
      }
      if (access === 'forbidden') showError(new ApiError(403, { status: 403 }));
      else {
        const ctx: PageContext = {
          api,
          t,
          lang,
          fmt: formats(lang),
          user: session?.user,
          navigate: (path) => {
            location.hash = `#${path}`;
          },
          refresh: () => void render(),
          params: match.params,
          query: match.query,
          signal: abort.signal,
          setTitle,
        };
        main.setAttribute('aria-busy', 'true');
        try {
          const cleanup = await match.page.render(body, ctx);
          if (typeof cleanup === 'function') current.cleanup = cleanup;
        } catch (error) {
          if (!(error instanceof DOMException && error.name === 'AbortError')) showError(error);
        } finally {
          main.removeAttribute('aria-busy');
        }
      }
    }
    if (!firstRender && !abort.signal.aborted) heading.focus();
    firstRender = false;
  }

  window.addEventListener('hashchange', () => void render());
  void render();
  return shell;
}
