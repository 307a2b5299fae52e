/**
 * The page contract and the hash router. Every page is a module exporting a `Page`; the registry
 * (`pages/index.ts`) lists them. URLs are `#/path?query`, so the console's routes can never shadow an
 * API path on the same origin (the server only ever sees `/`).
 *
 *   export const page: Page = {
 *     path: '/applications/:id',            // `:name` segments arrive in ctx.params
 *     title: (t, params) => `…`,           // the <title> and the page's <h1> text
 *     roles: ['investor'],                  // omit for a public page; admins pass every role check
 *     nav: { label: (t) => t('nav.catalog'), order: 10 },   // optional: a link in the header
 *     async render(root, ctx) { … },        // fill `root`; may return a cleanup function
 *   };
 *
 * `render` may throw (or let through) `ApiError`/`NetworkError`: the shell shows the matching error
 * page (401 signs out and goes to the sign-in page). Keep work tied to `ctx.signal`, which aborts
 * when the reader leaves the page.
 */
import type { Role } from '../../shared/http/roles.ts';
import type { ApiClient } from './api.ts';
import type { User } from './auth.ts';
import type { Formats, Lang, Translate } from './i18n/index.ts';

export interface PageContext {
  api: ApiClient;
  t: Translate;
  lang: Lang;
  /** Number, percent and date formatting in `lang`. */
  fmt: Formats;
  /** The signed-in user, or undefined on a public page visited anonymously. */
  user: User | undefined;
  /** Goes to a console path (`/zones/kcn-x`), pushing history. */
  navigate: (path: string) => void;
  /** Re-renders the current page (e.g. after a change the page made). */
  refresh: () => void;
  /** `:name` segments of the path. */
  params: Record<string, string>;
  /** The `?a=b` part of the hash. */
  query: URLSearchParams;
  /** Aborted when the reader leaves the page. */
  signal: AbortSignal;
  /** Replaces the page's h1 and document title (e.g. with the zone's name once loaded). */
  setTitle: (text: string) => void;
}

export interface Page {
  /** `/zones/:id`: literal segments and `:name` parameters. */
  path: string;
  /** The page's title (document title and h1). */
  title: (t: Translate, params: Record<string, string>) => string;
  /** Who may open it; undefined means anyone, signed in or not. Admins pass every role check. */
  roles?: readonly Role[];
  /** A header link to this page (only for pages without parameters). */
  nav?: { label: (t: Translate) => string; order: number };
  // biome-ignore lint/suspicious/noConfusingVoidType: a page's render may return nothing, sync or async
  render: (root: HTMLElement, ctx: PageContext) => void | (() => void) | Promise<void | (() => void)>;
}

export interface Match {
  page: Page;
  params: Record<string, string>;
  query: URLSearchParams;
  path: string;
}

/** Splits `#/zones/a?x=1` into the path `/zones/a` and its query. */
export function parseHash(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  return {
    path: path.startsWith('/') ? path : `/${path}`,
    query: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : ''),
  };
}

/** The first page whose pattern matches `path` (segment by segment), with its parameters decoded. */
export function matchPage(pages: readonly Page[], hash: string): Match | undefined {
  const { path, query } = parseHash(hash);
  const segments = path.split('/').filter(Boolean);
  for (const page of pages) {
    const pattern = page.path.split('/').filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i] as string;
      const s = segments[i] as string;
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(s);
        } catch {
          ok = false;
        }
      } else ok = p === s;
    }
    if (ok) return { page, params, query, path };
  }
  return undefined;
}

/** Whether `user` may open `page`. */
export function allowed(page: Page, user: User | undefined): 'yes' | 'sign-in' | 'forbidden' {
  if (!page.roles) return 'yes';
  if (!user) return 'sign-in';
  if (user.roles.includes('admin') || user.roles.some((r) => page.roles?.includes(r))) return 'yes';
  return 'forbidden';
}

/** `#/zones/a%20b` for ('/zones/:id', { id: 'a b' }). */
export function href(path: string, params: Record<string, string> = {}): string {
  return `#${path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''))}`;
}
