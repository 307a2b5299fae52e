/** The page shown for each error the API (or the network) can give. */
import { ApiError, NetworkError } from './api.ts';
import { h } from './dom.ts';
import type { MessageKey, Translate } from './i18n/index.ts';

export interface ErrorView {
  status: number | 'network';
  title: string;
  body: Node[];
}

function keysFor(status: number): [MessageKey, MessageKey] {
  switch (status) {
    case 400:
      return ['error.400.title', 'error.400.body'];
    case 401:
      return ['error.401.title', 'error.401.body'];
    case 403:
      return ['error.403.title', 'error.403.body'];
    case 404:
      return ['error.404.title', 'error.404.body'];
    case 409:
      return ['error.409.title', 'error.409.body'];
    case 413:
      return ['error.413.title', 'error.413.body'];
    case 429:
      return ['error.429.title', 'error.429.body'];
    default:
      return status >= 500
        ? ['error.server.title', 'error.server.body']
        : ['error.title', 'error.server.body'];
  }
}

/** The title and body of the error page for `error` (an ApiError, NetworkError or anything else). */
export function errorView(t: Translate, error: unknown, retry: () => void): ErrorView {
  const retryButton = h('button', { type: 'button', class: 'button', onclick: retry }, t('common.retry'));
  const home = h('a', { href: '#/' }, t('common.home'));
  if (error instanceof NetworkError) {
    return {
      status: 'network',
      title: t('error.network.title'),
      body: [h('p', null, t('error.network.body')), h('p', { class: 'actions' }, retryButton, home)],
    };
  }
  const status = error instanceof ApiError ? error.status : 500;
  const [titleKey, bodyKey] = keysFor(status);
  const body: Node[] = [
    h('p', null, t(bodyKey, { seconds: error instanceof ApiError ? (error.retryAfter ?? 1) : 1 })),
  ];
  if (error instanceof ApiError && error.fieldErrors.length) {
    body.push(
      h(
        'ul',
        { class: 'field-errors' },
        error.fieldErrors.map((f) => h('li', null, h('code', null, f.path), `: ${f.message}`)),
      ),
    );
  }
  const detail =
    error instanceof ApiError ? error.problem.detail : error instanceof Error ? error.message : '';
  if (detail) body.push(h('p', { class: 'muted' }, t('error.detail', { detail })));
  const actions = h('p', { class: 'actions' });
  if (status === 429 || status === 409 || status >= 500) actions.append(retryButton);
  actions.append(home);
  body.push(actions);
  return { status, title: t(titleKey), body };
}
