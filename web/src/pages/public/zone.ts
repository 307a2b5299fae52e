/** One zone: its figures (sample ones marked), live plots, sectors, utilities, authority and notes. */
import { getZone } from '../../../../shared/http/routes.ts';
import { facts, loading, sampleBadge, statusBadge, withSample } from '../../components.ts';
import { h, mount } from '../../dom.ts';
import type { Page } from '../../router.ts';

export const page: Page = {
  path: '/zones/:id',
  title: (_t, params) => params.id ?? '',
  async render(root, ctx) {
    const { t, fmt } = ctx;
    mount(root, loading(t));
    const { zone, occupancy } = await ctx.api.call(getZone, {
      path: { id: ctx.params.id ?? '' },
      signal: ctx.signal,
    });
    ctx.setTitle(zone.name);
    const sample = (field: string) => zone.sampleFields?.includes(field as never) ?? false;
    const num = (v: number | null, key: 'unit.ha' | 'unit.bnVnd' | null, field: string) =>
      v === null
        ? t('common.unknown')
        : withSample(t, key ? t(key, { n: fmt.number(v) }) : fmt.number(v), sample(field));
    const u = zone.utilities;
    const cap = (n: number | null, key: 'unit.kva' | 'unit.m3day') =>
      n === null ? '' : ` (${t(key, { n: fmt.number(n) })})`;
    const loc = zone.location;
    mount(
      root,
      h('p', null, h('a', { href: '#/' }, `← ${t('nav.catalog')}`)),
      zone.nameEn ? h('p', { class: 'muted', lang: 'en' }, zone.nameEn) : null,
      h('p', null, h('span', { class: 'badge' }, t(`kind.${zone.kind}`)), ' ', statusBadge(t, zone.status)),
      h(
        'div',
        { class: 'two-col' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'zone-figures' },
          h('h2', { id: 'zone-figures' }, t('zone.occupancy')),
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
            zone.expectedReadyDate
              ? [
                  t('zone.readyDate'),
                  withSample(t, fmt.date(zone.expectedReadyDate), sample('expectedReadyDate')),
                ]
              : null,
          ]),
          h('h3', null, t('zone.plots'), occupancy.sample ? sampleBadge(t) : null),
          facts([
            [
              t('zone.plotsAvailable'),
              `${fmt.number(occupancy.plots.available)} · ${t('unit.ha', { n: fmt.number(occupancy.areaHa.available) })}`,
            ],
            [
              t('zone.plotsHeld'),
              `${fmt.number(occupancy.plots.held)} · ${t('unit.ha', { n: fmt.number(occupancy.areaHa.held) })}`,
            ],
            [
              t('zone.plotsAllocated'),
              `${fmt.number(occupancy.plots.allocated)} · ${t('unit.ha', { n: fmt.number(occupancy.areaHa.allocated) })}`,
            ],
          ]),
        ),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'zone-place' },
          h('h2', { id: 'zone-place' }, t('zone.location')),
          facts([
            [
              t('zone.location'),
              [
                loc.communeOrWard.name ? `${loc.communeOrWard.kind ?? ''} ${loc.communeOrWard.name}, ` : '',
                loc.legacyDistrict ?? '',
                ` (${loc.formerProvince})`,
              ],
            ],
            [t('zone.authority'), zone.managingAuthority.name],
          ]),
          h('h2', null, t('zone.utilities')),
          facts([
            [t('zone.power'), `${u.power.description}${cap(u.power.capacityKva, 'unit.kva')}`],
            [t('zone.water'), `${u.water.description}${cap(u.water.capacityM3PerDay, 'unit.m3day')}`],
            [
              t('zone.wastewater'),
              `${u.wastewater.description}${cap(u.wastewater.capacityM3PerDay, 'unit.m3day')}`,
            ],
          ]),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'zone-sectors' },
        h('h2', { id: 'zone-sectors' }, t('zone.sectors')),
        h('p', null, zone.sectorFocus),
        zone.prioritySectors.length
          ? h(
              'p',
              null,
              `${t('zone.priority')}: `,
              zone.prioritySectors.map((s) => `${s.code} (${s.version})`).join(', '),
            )
          : null,
        h('p', { class: 'muted' }, zone.allowedSectors.map((s) => s.code).join(', ')),
        zone.notableTenants.length
          ? [
              h('h3', null, t('zone.tenants')),
              h(
                'ul',
                null,
                zone.notableTenants.map((n) => h('li', null, n.name, n.capacity ? ` (${n.capacity})` : '')),
              ),
            ]
          : null,
        zone.notes.length
          ? [
              h('h3', null, t('zone.notes')),
              h(
                'ul',
                null,
                zone.notes.map((n) => h('li', null, n)),
              ),
            ]
          : null,
      ),
    );
  },
};
