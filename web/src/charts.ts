/**
 * Horizontal bar charts in plain SVG (a few dozen lines instead of a chart library): each chart is a
 * figure with a caption, the drawing (`role="img"` with a text alternative) and the same figures as a
 * table behind a disclosure, so nothing is only in the picture. Sample bars are hatched in their own
 * colour and labelled "sample".
 */
import { h, s, uid } from './dom.ts';
import type { Translate } from './i18n/index.ts';

export interface Bar {
  label: string;
  value: number;
  /** Shown as a sample figure (its own colour and the word "sample"). */
  sample?: boolean;
  /** Extra class for the bar (e.g. `target`). */
  kind?: 'target';
  /** The value as text (defaults to `format(value)`). */
  text?: string;
}

export function barChart(options: {
  title: string;
  bars: Bar[];
  format: (n: number) => string;
  t: Translate;
  /** The axis maximum (defaults to the largest value). */
  max?: number;
}): HTMLElement {
  const { bars, format, t } = options;
  const labelW = 230;
  const rowH = 26;
  const width = 720;
  const plotW = width - labelW - 130;
  const max = options.max ?? Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * rowH + 10;
  const captionId = uid('chart');
  const svg = s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': captionId,
      preserveAspectRatio: 'xMinYMin meet',
    },
    s('line', { class: 'axis', x1: labelW, x2: labelW, y1: 0, y2: height }),
  );
  bars.forEach((b, i) => {
    const y = i * rowH + 5;
    const w = Math.max(1, (b.value / max) * plotW);
    const label = b.label.length > 34 ? `${b.label.slice(0, 33)}…` : b.label;
    const valueText = `${b.text ?? format(b.value)}${b.sample ? ` (${t('common.sample')})` : ''}`;
    svg.append(
      s('text', { x: labelW - 6, y: y + 16, 'text-anchor': 'end' }, label),
      s('rect', {
        class: `bar${b.sample ? ' sample' : ''}${b.kind ? ` ${b.kind}` : ''}`,
        x: labelW + 1,
        y,
        width: w.toFixed(1),
        height: rowH - 8,
      }),
      s('text', { x: labelW + w + 6, y: y + 16 }, valueText),
    );
  });
  const table = h(
    'table',
    null,
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, t('table.zone')),
        h('th', { scope: 'col', class: 'num' }, t('table.value')),
      ),
    ),
    h(
      'tbody',
      null,
      bars.map((b) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, b.label),
          h('td', { class: 'num' }, b.text ?? format(b.value), b.sample ? ` (${t('common.sample')})` : ''),
        ),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'card' },
    h('figcaption', { id: captionId }, options.title),
    svg,
    h('details', null, h('summary', null, t('stats.showData')), table),
  );
}
