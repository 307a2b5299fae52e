/** Small pieces several pages use: the sample badge, fact lists, kind and status badges. */
import { type Child, h } from './dom.ts';
import type { Translate } from './i18n/index.ts';

/** A visible "sample" mark, with its meaning for screen readers and on hover. */
export function sampleBadge(t: Translate): HTMLElement {
  return h(
    'span',
    { class: 'sample-badge', title: t('common.sampleNote') },
    t('common.sample'),
    h('span', { class: 'visually-hidden' }, ` (${t('common.sampleNote')})`),
  );
}

/** `value` followed by the sample badge when `sample` is true. */
export function withSample(t: Translate, value: Child, sample: boolean): Child[] {
  return sample ? [value, sampleBadge(t)] : [value];
}

/** A definition list of label → value rows; rows whose value is null are left out. */
export function facts(rows: Array<[string, Child] | null>): HTMLDListElement {
  return h(
    'dl',
    { class: 'facts' },
    rows.flatMap((row) => (row ? [h('dt', null, row[0]), h('dd', null, row[1])] : [])),
  );
}

export function statusBadge(
  t: Translate,
  status: 'operating' | 'under_construction' | 'planned',
): HTMLElement {
  return h('span', { class: `badge status-${status}` }, t(`status.${status}`));
}

/** A loading line, announced politely. */
export function loading(t: Translate): HTMLElement {
  return h('p', { class: 'muted', role: 'status' }, t('common.loading'));
}
