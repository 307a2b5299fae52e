/**
 * The zone manager's page: their zone's plots on the zone's plan (SVG, each plot in proportion to its
 * area, coloured by state with a pattern and a letter so colour is never the only sign, and the same
 * plots as a table), the clearance update form (checked with the API's ClearanceBody before sending),
 * the current holds with who holds each plot and until when, and their notifications.
 */
import {
  ClearanceBody,
  listZoneHolds,
  listZonePlots,
  updatePlotClearance,
} from '../../../../shared/http/officials.ts';
import { loading, sampleBadge } from '../../components.ts';
import { type Child, h, mount, s } from '../../dom.ts';
import type { Page } from '../../router.ts';
import { formatDate, formatInstant } from '../../views/due.ts';
import {
  CATEGORIES,
  CATEGORY_STYLES,
  countByCategory,
  type PlotCategory,
  planLayout,
  plotCategory,
} from '../../views/plots.ts';
import { langOf } from '../investor/labels.ts';
import { messages } from './messages.ts';
import { notificationsPanel } from './notifications.ts';

const W = 800;
const H = 480;
/** What the last clearance update saved, shown once by the next render of the page. */
let flash: string | undefined;

const CLEARANCE = ['cleared', 'compensation_in_progress', 'not_started', 'disputed'] as const;

/** The SVG patterns drawn over each category's fill (ids `pat-<pattern>`). */
function patternDefs(): SVGDefsElement {
  const stroke = { stroke: '#1b1f24', 'stroke-width': 1.5, 'stroke-opacity': 0.55 };
  const pattern = (id: string, ...children: Child[]) =>
    s('pattern', { id, width: 10, height: 10, patternUnits: 'userSpaceOnUse' }, ...children);
  return s(
    'defs',
    null,
    pattern('pat-hatch', s('path', { d: 'M0,10 L10,0', ...stroke })),
    pattern('pat-stripes', s('path', { d: 'M0,5 L10,5', ...stroke })),
    pattern('pat-cross', s('path', { d: 'M0,0 L10,10 M10,0 L0,10', ...stroke })),
    pattern('pat-dots', s('circle', { cx: 5, cy: 5, r: 1.6, fill: '#1b1f24', 'fill-opacity': 0.6 })),
  );
}

function swatch(category: PlotCategory): SVGSVGElement {
  const style = CATEGORY_STYLES[category];
  return s(
    'svg',
    { width: 28, height: 20, viewBox: '0 0 28 20', 'aria-hidden': 'true', focusable: 'false' },
    s('rect', { x: 0.5, y: 0.5, width: 27, height: 19, fill: style.fill, stroke: '#4a5361' }),
    style.pattern === 'none'
      ? null
      : s('rect', { x: 0.5, y: 0.5, width: 27, height: 19, fill: `url(#pat-${style.pattern})` }),
    s(
      'text',
      { x: 14, y: 14, 'text-anchor': 'middle', fill: style.ink, 'font-weight': 700, 'font-size': 12 },
      style.mark,
    ),
  );
}

export const page: Page = {
  path: '/manage',
  title: (t) => messages(langOf(t)).title,
  roles: ['zone-manager'],
  nav: { label: (t) => messages(langOf(t)).nav, order: 50 },
  async render(root, ctx) {
    const { lang, t } = ctx;
    const m = messages(lang);
    const zones = ctx.user?.zones ?? [];
    const zoneId = ctx.query.get('zone') ?? zones[0];
    if (!zoneId) {
      mount(root, h('p', null, m.noZones), notificationsPanel(ctx));
      return;
    }
    ctx.setTitle(`${m.title}: ${zoneId}`);
    mount(root, loading(t));
    const [plots, holds] = await Promise.all([
      ctx.api.call(listZonePlots, { path: { id: zoneId }, signal: ctx.signal }),
      ctx.api.call(listZoneHolds, { path: { id: zoneId }, signal: ctx.signal }),
    ]);
    const selected = ctx.query.get('plot') ?? '';
    const catLabel = (c: PlotCategory) => m[`cat.${c}`];
    const clLabel = (c: string) => (m as Record<string, string>)[`cl.${c}`] ?? c;
    const plotHref = (plotId: string) => `#/manage?${new URLSearchParams({ zone: zoneId, plot: plotId })}`;

    const zoneSelect = h(
      'select',
      { id: 'zone-pick' },
      zones.map((z) => h('option', { value: z, selected: z === zoneId }, z)),
    );
    const zonePicker =
      zones.length > 1
        ? h(
            'form',
            {
              class: 'filters',
              onsubmit: (event: Event) => {
                event.preventDefault();
                ctx.navigate(`/manage?zone=${encodeURIComponent(zoneSelect.value)}`);
              },
            },
            h('div', { class: 'field' }, h('label', { for: 'zone-pick' }, m.zone), zoneSelect),
            h('button', { type: 'submit', class: 'button secondary' }, m.show),
          )
        : null;

    const rects = planLayout(plots.items, W, H);
    const byId = new Map(plots.items.map((p) => [p.id, p]));
    const svg = s(
      'svg',
      { class: 'plan', viewBox: `0 0 ${W} ${H}`, role: 'group', 'aria-labelledby': 'plan-title' },
      patternDefs(),
      rects.map((r) => {
        const plot = byId.get(r.id);
        if (!plot) return null;
        const cat = plotCategory(plot);
        const style = CATEGORY_STYLES[cat];
        const label = `${m.plot} ${plot.id}: ${catLabel(cat)}, ${ctx.fmt.number(plot.areaHa)} ha, ${m.clearance}: ${clLabel(plot.clearance.status)}`;
        return s(
          'a',
          { href: plotHref(plot.id), 'aria-label': label, 'data-plot': plot.id, 'data-category': cat },
          s('title', null, label),
          s('rect', {
            x: r.x,
            y: r.y,
            width: r.width,
            height: r.height,
            fill: style.fill,
            stroke: '#4a5361',
          }),
          style.pattern === 'none'
            ? null
            : s('rect', {
                x: r.x,
                y: r.y,
                width: r.width,
                height: r.height,
                fill: `url(#pat-${style.pattern})`,
              }),
          r.width > 18 && r.height > 16
            ? s(
                'text',
                {
                  x: r.x + r.width / 2,
                  y: r.y + r.height / 2 + 4,
                  'text-anchor': 'middle',
                  fill: style.ink,
                  'font-weight': 700,
                },
                style.mark,
              )
            : null,
        );
      }),
    );
    const counts = countByCategory(plots.items);
    const legend = h(
      'ul',
      { class: 'plan-legend', 'aria-label': m.legend },
      CATEGORIES.map((c) =>
        h('li', null, swatch(c), `${CATEGORY_STYLES[c].mark} = ${catLabel(c)} (${counts[c]})`),
      ),
    );

    const planSection = h(
      'section',
      { class: 'card', 'aria-labelledby': 'plan-title' },
      h('h2', { id: 'plan-title' }, m.plan, sampleBadge(t)),
      h('p', { class: 'muted' }, m.planIntro),
      svg,
      legend,
    );

    const table = h(
      'section',
      { class: 'card', 'aria-labelledby': 'plots-title' },
      h('h2', { id: 'plots-title' }, m.plots),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'plots' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              [m.plot, m.area, m.category, m.clearance, m.holder, m.until].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, m.update)),
            ),
          ),
          h(
            'tbody',
            null,
            plots.items.map((p) => {
              const cat = plotCategory(p);
              const expected = (p.clearance as { expectedDate?: string }).expectedDate;
              return h(
                'tr',
                { 'data-plot': p.id },
                h('th', { scope: 'row' }, p.id),
                h('td', { class: 'num' }, ctx.fmt.number(p.areaHa)),
                h('td', { 'data-category': cat }, `${CATEGORY_STYLES[cat].mark} · ${catLabel(cat)}`),
                h(
                  'td',
                  null,
                  clLabel(p.clearance.status),
                  expected ? ` (${formatDate(expected, lang)})` : '',
                ),
                h('td', null, p.holderApplicationId ?? p.allocatedTo ?? ''),
                h('td', null, p.holdExpiresAt ? formatInstant(p.holdExpiresAt, lang) : ''),
                h(
                  'td',
                  null,
                  h('a', { href: plotHref(p.id), 'aria-label': `${m.update}: ${p.id}` }, m.update),
                ),
              );
            }),
          ),
        ),
      ),
    );

    // The clearance form.
    const status = h(
      'p',
      { class: 'form-status', role: 'status', 'aria-live': 'polite', id: 'clearance-status' },
      flash ?? '',
    );
    flash = undefined;
    const errors = {
      plot: errSlot('cl-plot'),
      status: errSlot('cl-status'),
      percent: errSlot('cl-percent'),
      expected: errSlot('cl-expected'),
      note: errSlot('cl-note'),
    };
    function errSlot(id: string) {
      return h('p', { class: 'field-error', id: `${id}-error` });
    }
    const plotSelect = h(
      'select',
      { id: 'cl-plot', 'aria-describedby': 'cl-plot-error' },
      h('option', { value: '' }, '—'),
      plots.items.map((p) => h('option', { value: p.id, selected: p.id === selected }, p.id)),
    );
    const current = byId.get(selected);
    const statusSelect = h(
      'select',
      { id: 'cl-status', 'aria-describedby': 'cl-status-error' },
      h('option', { value: '' }, '—'),
      CLEARANCE.map((c) => h('option', { value: c, selected: current?.clearance.status === c }, clLabel(c))),
    );
    const percent = h('input', {
      id: 'cl-percent',
      type: 'text',
      inputmode: 'decimal',
      'aria-describedby': 'cl-percent-error',
    });
    const expected = h('input', { id: 'cl-expected', type: 'date', 'aria-describedby': 'cl-expected-error' });
    const note = h('textarea', {
      id: 'cl-note',
      rows: 2,
      maxlength: 1000,
      'aria-describedby': 'cl-note-error',
    });
    const save = h('button', { type: 'submit', class: 'button' }, m.save);
    const form = h(
      'form',
      {
        class: 'card form',
        id: 'clearance-form',
        'aria-labelledby': 'clearance-title',
        novalidate: true,
        onsubmit: async (event: Event) => {
          event.preventDefault();
          for (const slot of Object.values(errors)) slot.textContent = '';
          if (!plotSelect.value) {
            errors.plot.textContent = m.choosePlot;
            plotSelect.focus();
            return;
          }
          if (!statusSelect.value) {
            errors.status.textContent = m.chooseStatus;
            statusSelect.focus();
            return;
          }
          const body = {
            status: statusSelect.value as (typeof CLEARANCE)[number],
            ...(percent.value.trim()
              ? { compensationPercent: Number(percent.value.trim().replace(',', '.')) }
              : {}),
            ...(expected.value ? { expectedDate: expected.value } : {}),
            ...(note.value.trim() ? { note: note.value.trim() } : {}),
          };
          const checked = ClearanceBody.safeParse(body);
          if (!checked.success) {
            for (const issue of checked.error.issues) {
              const key = issue.path[0];
              const slot =
                key === 'compensationPercent'
                  ? errors.percent
                  : key === 'expectedDate'
                    ? errors.expected
                    : key === 'note'
                      ? errors.note
                      : errors.status;
              slot.textContent = issue.message;
            }
            return;
          }
          save.disabled = true;
          try {
            const result = await ctx.api.call(updatePlotClearance, {
              path: { id: zoneId, plotId: plotSelect.value },
              body,
            });
            // The page re-renders with the new plot state; the fresh form announces what was saved.
            flash = m.saved.replace('{plot}', result.plot.id).replace('{n}', String(result.woken.length));
            ctx.refresh();
          } finally {
            save.disabled = false;
          }
        },
      },
      h('h2', { id: 'clearance-title' }, m.formTitle),
      status,
      field('cl-plot', m.plot, plotSelect, errors.plot),
      field('cl-status', m.status, statusSelect, errors.status),
      field('cl-percent', m.percent, percent, errors.percent),
      field('cl-expected', m.expected, expected, errors.expected),
      field('cl-note', m.note, note, errors.note),
      h('p', { class: 'actions' }, save),
    );
    function field(id: string, label: string, control: HTMLElement, err: HTMLElement) {
      return h('div', { class: 'field' }, h('label', { for: id }, label), control, err);
    }

    const holdsSection = h(
      'section',
      { class: 'card', 'aria-labelledby': 'holds-title' },
      h('h2', { id: 'holds-title' }, m.holds),
      holds.items.length === 0
        ? h('p', { class: 'muted' }, m.noHolds)
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'holds' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  [m.plot, m.application, m.investor, m.since, m.until].map((c) =>
                    h('th', { scope: 'col' }, c),
                  ),
                ),
              ),
              h(
                'tbody',
                null,
                holds.items.map((hold) =>
                  h(
                    'tr',
                    { 'data-plot': hold.plotId },
                    h('th', { scope: 'row' }, hold.plotId),
                    h('td', null, hold.applicationId),
                    h('td', null, hold.investorName ?? ''),
                    h('td', null, hold.heldAt ? formatInstant(hold.heldAt, lang) : ''),
                    h(
                      'td',
                      null,
                      hold.expiresAt ? formatInstant(hold.expiresAt, lang) : '',
                      hold.expired ? h('strong', null, ` (${m.expired})`) : null,
                    ),
                  ),
                ),
              ),
            ),
          ),
    );

    mount(
      root,
      zonePicker,
      h('p', { class: 'muted' }, m.sample),
      planSection,
      form,
      holdsSection,
      table,
      notificationsPanel(ctx),
    );
    if (current) statusSelect.focus();
  },
};
