/**
 * A schematic plan of Lào Cai province drawn in SVG from the catalog's locations: each zone sits by
 * the centre of its former district (the catalog's `legacyDistrict`; districts were abolished in 2025
 * but every zone's record keeps its), the two former provinces are shaded behind. Approximate district
 * centres only, no boundaries, no tiles, nothing fetched from outside.
 */
import type * as z from 'zod';
import type { ZoneSummarySchema } from '../../../../shared/http/schemas.ts';
import { s } from '../../dom.ts';
import type { Translate } from '../../i18n/index.ts';

type ZoneSummary = z.infer<typeof ZoneSummarySchema>;

/**
 * Approximate centres (latitude, longitude) of the former districts that zones are recorded in, used only
 * to place markers relative to each other. Neither DOMAIN-FACTS nor the catalog gives coordinates, so
 * these are not sourced: the plan says on its face that it is schematic (`catalog.schematic`,
 * `catalog.mapNote`), and no figure here is shown to anyone as a coordinate.
 */
export const DISTRICT_CENTRES: Record<string, { lat: number; lon: number; former: 'Lào Cai' | 'Yên Bái' }> = {
  'Thành phố Lào Cai': { lat: 22.48, lon: 103.97, former: 'Lào Cai' },
  'Bát Xát': { lat: 22.56, lon: 103.75, former: 'Lào Cai' },
  'Mường Khương': { lat: 22.77, lon: 104.12, former: 'Lào Cai' },
  'Si Ma Cai': { lat: 22.7, lon: 104.28, former: 'Lào Cai' },
  'Bắc Hà': { lat: 22.54, lon: 104.29, former: 'Lào Cai' },
  'Bảo Thắng': { lat: 22.35, lon: 104.1, former: 'Lào Cai' },
  'Sa Pa': { lat: 22.34, lon: 103.84, former: 'Lào Cai' },
  'Bảo Yên': { lat: 22.24, lon: 104.42, former: 'Lào Cai' },
  'Văn Bàn': { lat: 22.06, lon: 104.18, former: 'Lào Cai' },
  'Lục Yên': { lat: 22.11, lon: 104.72, former: 'Yên Bái' },
  'Văn Yên': { lat: 21.88, lon: 104.68, former: 'Yên Bái' },
  'Mù Cang Chải': { lat: 21.85, lon: 104.09, former: 'Yên Bái' },
  'Trạm Tấu': { lat: 21.46, lon: 104.38, former: 'Yên Bái' },
  'Văn Chấn': { lat: 21.58, lon: 104.6, former: 'Yên Bái' },
  'Nghĩa Lộ': { lat: 21.6, lon: 104.51, former: 'Yên Bái' },
  'Trấn Yên': { lat: 21.73, lon: 104.8, former: 'Yên Bái' },
  'Thành phố Yên Bái': { lat: 21.72, lon: 104.91, former: 'Yên Bái' },
  'Yên Bình': { lat: 21.8, lon: 105.0, former: 'Yên Bái' },
};

const W = 720;
const H = 660;
const project = (lat: number, lon: number) => ({ x: 30 + (lon - 103.6) * 430, y: 40 + (22.85 - lat) * 400 });

type Pt = { x: number; y: number };

/** Convex hull (monotone chain). */
function hull(points: Pt[]): Pt[] {
  const p = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (p.length < 3) return p;
  const cross = (o: Pt, a: Pt, b: Pt) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Pt[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2] as Pt, lower[lower.length - 1] as Pt, q) <= 0)
      lower.pop();
    lower.push(q);
  }
  const upper: Pt[] = [];
  for (const q of [...p].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2] as Pt, upper[upper.length - 1] as Pt, q) <= 0)
      upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** The hull pushed out from its centre by `pad`, as an SVG path. */
function region(points: Pt[], pad: number): string {
  const h = hull(points);
  const cx = h.reduce((a, p) => a + p.x, 0) / h.length;
  const cy = h.reduce((a, p) => a + p.y, 0) / h.length;
  const out = h.map((p) => {
    const d = Math.hypot(p.x - cx, p.y - cy) || 1;
    return { x: p.x + ((p.x - cx) / d) * pad, y: p.y + ((p.y - cy) / d) * pad };
  });
  return `M${out.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('L')}Z`;
}

/** The marker of a zone: circle (KCN), square (CCN), diamond (KKT), filled by status. */
export function marker(
  kind: ZoneSummary['kind'],
  status: ZoneSummary['status'],
  x: number,
  y: number,
  r = 8,
) {
  const attrs = { class: `marker fill-${status}`, fill: STATUS_FILL[status] };
  if (kind === 'KCN') return s('circle', { ...attrs, cx: x, cy: y, r });
  if (kind === 'CCN')
    return s('rect', { ...attrs, x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7 });
  return s('path', {
    ...attrs,
    d: `M${x},${y - r * 1.2}L${x + r * 1.2},${y}L${x},${y + r * 1.2}L${x - r * 1.2},${y}Z`,
  });
}

/** Status colours, each ≥ 3:1 against the white paper (graphics contrast). */
export const STATUS_FILL: Record<ZoneSummary['status'], string> = {
  operating: '#0b5e3b',
  under_construction: '#8a5300',
  planned: '#4a5361',
};

const displayName = (z: ZoneSummary, t: Translate) =>
  z.placeholder ? `${z.name} (${t('zone.placeholder')})` : z.name;

export function provinceMap(zones: readonly ZoneSummary[], t: Translate, titleId: string): SVGSVGElement {
  const centres = Object.entries(DISTRICT_CENTRES).map(([name, c]) => ({
    name,
    ...c,
    ...project(c.lat, c.lon),
  }));
  const laoCai = centres.filter((c) => c.former === 'Lào Cai');
  const yenBai = centres.filter((c) => c.former === 'Yên Bái');
  const svg = s(
    'svg',
    { class: 'map', viewBox: `0 0 ${W} ${H}`, role: 'group', 'aria-labelledby': titleId },
    s('path', { class: 'region lao-cai', d: region(laoCai, 45) }),
    s('path', { class: 'region yen-bai', d: region(yenBai, 45) }),
    s('text', { class: 'region-label', x: 40, y: 28 }, t('catalog.formerLaoCai')),
    s('text', { class: 'region-label', x: 470, y: 420 }, t('catalog.formerYenBai')),
    s('text', { class: 'schematic-label', x: W - 12, y: 24, 'text-anchor': 'end' }, t('catalog.schematic')),
  );
  const used = new Set(zones.map((z) => z.location.legacyDistrict).filter(Boolean));
  for (const c of centres) {
    if (!used.has(c.name)) continue;
    svg.append(s('text', { x: c.x + 16, y: c.y - 14, 'aria-hidden': 'true' }, c.name));
  }
  const byDistrict = new Map<string, ZoneSummary[]>();
  for (const z of zones) {
    const key =
      z.location.legacyDistrict && DISTRICT_CENTRES[z.location.legacyDistrict]
        ? z.location.legacyDistrict
        : '';
    byDistrict.set(key, [...(byDistrict.get(key) ?? []), z]);
  }
  const link = (z: ZoneSummary, x: number, y: number) =>
    s(
      'a',
      {
        href: `#/zones/${encodeURIComponent(z.id)}`,
        'aria-label': t('zone.open', { name: displayName(z, t) }),
      },
      s('title', null, `${displayName(z, t)} · ${t(`kind.${z.kind}`)} · ${t(`status.${z.status}`)}`),
      marker(z.kind, z.status, x, y),
    );
  for (const [district, list] of byDistrict) {
    if (!district) continue;
    const c = DISTRICT_CENTRES[district];
    if (!c) continue;
    const { x, y } = project(c.lat, c.lon);
    list.forEach((z, i) => {
      const angle = (i / Math.max(list.length, 1)) * Math.PI * 2;
      const radius = list.length > 1 ? 16 + list.length : 0;
      svg.append(link(z, x + Math.cos(angle) * radius, y + Math.sin(angle) * radius));
    });
  }
  const unplaced = byDistrict.get('') ?? [];
  if (unplaced.length) {
    const top = H - 70;
    svg.append(
      s('rect', { x: 10, y: top, width: 330, height: 60, fill: '#ffffff', stroke: '#c9d0d8', rx: 6 }),
      s('text', { x: 20, y: top + 20 }, t('catalog.unplaced')),
    );
    unplaced.forEach((z, i) => {
      svg.append(link(z, 28 + i * 24, top + 42));
    });
  }
  return svg;
}
