/**
 * The statistics dashboard: occupancy, projects and registered capital by zone (the catalog's figures,
 * sample ones marked), the province's industrial production-value targets beside the latest sourced
 * figure, the live plots (sample data), and the sourced figures word for word.
 */
import type * as z from 'zod';
import { getStats, listZones } from '../../../../shared/http/routes.ts';
import { type Bar, barChart } from '../../charts.ts';
import { facts, loading, sampleBadge } from '../../components.ts';
import { h, mount } from '../../dom.ts';
import type { Page, PageContext } from '../../router.ts';

type Stats = z.infer<typeof getStats.ok.schema>;
type Figure = Stats['targets']['industrialProductionValueBnVnd']['latest'];

function figureText(ctx: PageContext, f: Figure): string {
  const value = f.unit.startsWith('share') ? ctx.fmt.percent(f.value) : ctx.fmt.number(f.value);
  return ctx.t(`stats.qualifier.${f.qualifier}`, { v: value });
}

export const page: Page = {
  path: '/stats',
  title: (t) => t('stats.title'),
  nav: { label: (t) => t('nav.stats'), order: 20 },
  async render(root, ctx) {
    const { t, fmt } = ctx;
    mount(root, loading(t));
    const [stats, zones] = await Promise.all([
      ctx.api.call(getStats, { signal: ctx.signal }),
      ctx.api.call(listZones, { signal: ctx.signal }),
    ]);
    const items = zones.items;
    const sample = (zone: (typeof items)[number], field: string) =>
      zone.sampleFields?.includes(field as never) ?? false;
    const bars = (pick: (zone: (typeof items)[number]) => number | null, field: string): Bar[] =>
      items
        .flatMap((zone) => {
          const value = pick(zone);
          return value === null ? [] : [{ label: zone.name, value, sample: sample(zone, field) }];
        })
        .sort((a, b) => b.value - a.value);

    const target = stats.targets.industrialProductionValueBnVnd;
    const targetBars: Bar[] = [
      {
        label: t('stats.latest', { asOf: target.latest.asOf ?? '' }),
        value: target.latest.value,
        text: figureText(ctx, target.latest),
      },
      {
        label: t('stats.target2025'),
        value: target.target2025.value,
        text: figureText(ctx, target.target2025),
        kind: 'target',
      },
      {
        label: t('stats.target2030'),
        value: target.target2030.value,
        text: figureText(ctx, target.target2030),
        kind: 'target',
      },
    ];
    const live = stats.live.province;
    const sources = [
      ...new Set([target.latest, target.target2025, target.target2030].flatMap((f) => f.sourceIds)),
    ];

    mount(
      root,
      h('p', null, t('stats.intro')),
      barChart({ title: t('stats.targets'), bars: targetBars, format: fmt.number, t }),
      h('p', { class: 'muted' }, t('stats.source', { ids: sources.join(', ') })),
      h(
        'div',
        { class: 'two-col' },
        barChart({
          title: t('stats.occupancy'),
          bars: bars((z) => z.filledShare, 'filledShare'),
          format: fmt.percent,
          t,
          max: 1,
        }),
        barChart({
          title: t('stats.projects'),
          bars: bars((z) => z.projects, 'projects'),
          format: fmt.number,
          t,
        }),
      ),
      barChart({
        title: t('stats.capital'),
        bars: bars((z) => z.registeredCapitalBnVnd, 'registeredCapitalBnVnd'),
        format: fmt.number,
        t,
      }),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'live-title' },
        h('h2', { id: 'live-title' }, t('stats.live'), sampleBadge(t)),
        h('p', { class: 'muted' }, stats.live.note),
        facts([
          [t('stats.zones'), fmt.number(live.zoneCount)],
          [t('stats.plannedArea'), t('unit.ha', { n: fmt.number(live.plannedAreaHa) })],
          [t('stats.allocated'), t('unit.ha', { n: fmt.number(live.allocatedHa) })],
          [
            t('zone.occupancy'),
            live.filledShare === null ? t('common.unknown') : fmt.percent(live.filledShare),
          ],
          [t('zone.projects'), fmt.number(live.projects)],
          [t('zone.capital'), t('unit.bnVnd', { n: fmt.number(live.registeredCapitalBnVnd) })],
          stats.slaBreaches !== undefined ? [t('stats.slaBreaches'), fmt.number(stats.slaBreaches)] : null,
        ]),
        stats.applicationsByStage
          ? [
              h('h3', null, t('stats.byStage')),
              facts(Object.entries(stats.applicationsByStage).map(([stage, n]) => [stage, fmt.number(n)])),
            ]
          : null,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'sourced-title' },
        h('h2', { id: 'sourced-title' }, t('stats.sourced')),
        Object.entries(stats.sourced).map(([group, figures]) => [
          h('h3', null, group),
          h(
            'table',
            null,
            h(
              'tbody',
              null,
              Object.entries(figures).map(([name, f]) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, name),
                  h('td', { class: 'num' }, `${figureText(ctx, f)} ${f.unit}`),
                  h('td', { lang: 'vi' }, f.text ?? ''),
                  h('td', null, [f.asOf ?? '', ' · ', f.sourceIds.join(', ')]),
                ),
              ),
            ),
          ),
        ]),
      ),
    );
  },
};
