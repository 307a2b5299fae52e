/** The zone catalog: a schematic plan of the province, filters, and a card per zone. */
import type * as z from 'zod';
import { listZones } from '../../../../shared/http/routes.ts';
import { ZoneListQuery } from '../../../../shared/http/schemas.ts';
import { facts, loading, statusBadge, withSample } from '../../components.ts';
import { h, mount, s, uid } from '../../dom.ts';
import type { Page, PageContext } from '../../router.ts';
import { marker, provinceMap, STATUS_FILL } from './province-map.ts';

const KINDS = ['KCN', 'CCN', 'KKT'] as const;
const STATUSES = ['operating', 'under_construction', 'planned'] as const;
type ZoneSummary = z.infer<typeof listZones.ok.schema>['items'][number];

function filterSelect(ctx: PageContext, name: 'kind' | 'status', values: readonly string[], label: string) {
  const id = `filter-${name}`;
  const current = ctx.query.get(name) ?? '';
  const select = h(
    'select',
    {
      id,
      name,
      onchange: () => {
        const q = new URLSearchParams(ctx.query);
        if (select.value) q.set(name, select.value);
        else q.delete(name);
        const text = q.toString();
        ctx.navigate(text ? `/?${text}` : '/');
      },
    },
    h('option', { value: '' }, ctx.t('catalog.filter.all')),
    values.map((v) =>
      h(
        'option',
        { value: v, selected: v === current },
        name === 'kind'
          ? ctx.t(`kind.${v as (typeof KINDS)[number]}`)
          : ctx.t(`status.${v as (typeof STATUSES)[number]}`),
      ),
    ),
  );
  return h('div', { class: 'field' }, h('label', { for: id }, label), select);
}

function zoneCard(ctx: PageContext, zone: ZoneSummary) {
  const { t, fmt } = ctx;
  const sample = (field: string) => zone.sampleFields?.includes(field as never) ?? false;
  const num = (v: number | null, key: 'unit.ha' | 'unit.bnVnd' | null, field: string) =>
    v === null
      ? t('common.unknown')
      : withSample(t, key ? t(key, { n: fmt.number(v) }) : fmt.number(v), sample(field));
  const u = zone.utilities;
  return h(
    'li',
    { class: 'card zone-card', 'data-zone': zone.id },
    h('h3', null, h('a', { href: `#/zones/${encodeURIComponent(zone.id)}` }, zone.name)),
    zone.nameEn ? h('p', { class: 'muted', lang: 'en' }, zone.nameEn) : null,
    h('p', null, h('span', { class: 'badge' }, t(`kind.${zone.kind}`)), ' ', statusBadge(t, zone.status)),
    facts([
      [t('zone.area'), num(zone.plannedAreaHa, 'unit.ha', 'plannedAreaHa')],
      [t('zone.industrialLand'), num(zone.industrialLandHa, 'unit.ha', 'industrialLandHa')],
      [
        t('zone.occupancy'),
        zone.filledShare === null
          ? t('common.unknown')
          : withSample(t, fmt.percent(zone.filledShare), sample('filledShare')),
      ],
      [t('zone.projects'), num(zone.projects, null, 'projects')],
      [t('zone.capital'), num(zone.registeredCapitalBnVnd, 'unit.bnVnd', 'registeredCapitalBnVnd')],
      zone.sectorFocus ? [t('zone.sectors'), zone.sectorFocus] : null,
      u
        ? [
            t('zone.utilities'),
            [
              u.power.capacityKva !== null
                ? `${t('zone.power')}: ${t('unit.kva', { n: fmt.number(u.power.capacityKva) })}`
                : `${t('zone.power')}: ${t('common.unknown')}`,
              '; ',
              u.water.capacityM3PerDay !== null
                ? `${t('zone.water')}: ${t('unit.m3day', { n: fmt.number(u.water.capacityM3PerDay) })}`
                : `${t('zone.water')}: ${t('common.unknown')}`,
            ],
          ]
        : null,
    ]),
  );
}

function legend(ctx: PageContext) {
  const { t } = ctx;
  const swatch = (child: SVGElement) =>
    s('svg', { width: 20, height: 20, viewBox: '0 0 20 20', 'aria-hidden': 'true' }, child);
  return h(
    'ul',
    { class: 'legend', 'aria-label': t('catalog.legend') },
    KINDS.map((k) => h('li', null, swatch(marker(k, 'planned', 10, 10, 6)), t(`kind.${k}`))),
    STATUSES.map((st) =>
      h('li', null, swatch(s('circle', { cx: 10, cy: 10, r: 7, fill: STATUS_FILL[st] })), t(`status.${st}`)),
    ),
  );
}

export const page: Page = {
  path: '/',
  title: (t) => t('catalog.title'),
  nav: { label: (t) => t('nav.catalog'), order: 10 },
  async render(root, ctx) {
    const { t } = ctx;
    mount(root, loading(t));
    // Only filters the API accepts are passed on (the same schema as the server's).
    const parsed = ZoneListQuery.safeParse(Object.fromEntries(ctx.query));
    const query = parsed.success ? parsed.data : {};
    const { items } = await ctx.api.call(listZones, { query, signal: ctx.signal });
    const mapTitle = uid('map-title');
    mount(
      root,
      h('p', null, t('catalog.intro')),
      h(
        'section',
        { class: 'card', 'aria-labelledby': mapTitle },
        h('h2', { id: mapTitle }, t('catalog.mapTitle')),
        h('p', { class: 'muted' }, t('catalog.mapNote')),
        provinceMap(items, t, mapTitle),
        legend(ctx),
      ),
      h(
        'div',
        { class: 'filters' },
        filterSelect(ctx, 'kind', KINDS, t('catalog.filter.kind')),
        filterSelect(ctx, 'status', STATUSES, t('catalog.filter.status')),
        h(
          'p',
          { role: 'status', class: 'muted', 'data-testid': 'zone-count' },
          t('catalog.count', { n: items.length }),
        ),
      ),
      h(
        'ul',
        { class: 'zone-grid' },
        items.map((zone) => zoneCard(ctx, zone)),
      ),
    );
  },
};
