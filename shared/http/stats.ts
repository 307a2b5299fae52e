/**
 * `GET /stats` from the catalog and the live plots: live occupancy computed from the table (sample
 * plots, flagged), beside the figures the sources state, word for word where the seed article has them.
 */
import { type Catalog, catalogStats } from '../catalog/index.ts';
import { provinceFigures } from '../catalog/province-figures.ts';
import type { ProvinceFigure } from '../catalog/schema.ts';
import type { Stats } from './stats-schema.ts';

type Figure = Stats['targets']['industrialProductionValueBnVnd']['latest'];

const article = (
  value: number,
  unit: string,
  qualifier: Figure['qualifier'],
  text: string,
  asOf = '2021',
): Figure => ({ value, unit, qualifier, asOf, text, sourceIds: ['seed-article'], sample: false });

/**
 * The seed article's figures (`../shared/seed/lao-cai-industrial-zones.vi.txt`), with its own words.
 * "trên" is "over": the article gives lower bounds, and they are reported as such, not rounded.
 */
export const ARTICLE_FIGURES = {
  kcn: {
    zones: article(3, 'zones', 'exactly', '3 Khu công nghiệp'),
    plannedAreaHa: article(1000, 'ha', 'over', 'tổng diện tích quy hoạch trên 1.000 ha'),
    filledShare: article(
      0.76,
      'share of industrial land',
      'over',
      'Tỷ lệ lấp đầy đã đạt trên 76% đất công nghiệp',
    ),
    projects: article(161, 'projects', 'exactly', 'thu hút 161 dự án'),
    registeredCapitalBnVnd: article(25_600, 'bn VND', 'over', 'tổng vốn đăng ký trên 25.600 tỷ đồng'),
    industrialProductionValueBnVnd: article(
      23_900,
      'bn VND',
      'over',
      'năm 2021 là trên 23.900 tỷ đồng, chiếm 58% giá trị sản xuất công nghiệp toàn tỉnh',
    ),
    budgetRevenueBnVnd: article(1000, 'bn VND', 'over', 'Thu nộp ngân sách năm 2021 trên 1.000 tỷ đồng'),
    jobs: article(7000, 'workers', 'over', 'tạo việc làm cho trên 7.000 lao động'),
    averageIncomeMillionVndPerMonth: article(
      7.5,
      'million VND per worker per month',
      'exactly',
      'thu nhập bình quân 7,5 triệu đồng/ người/tháng',
    ),
  },
  ccn: {
    zones: article(18, 'clusters', 'exactly', 'Lào Cai có 18 cụm công nghiệp (CCN)'),
    inUse: article(3, 'clusters', 'exactly', 'có 3 cụm đã đưa vào sử dụng với tỷ lệ lấp đầy là 100%'),
    underConstruction: article(2, 'clusters', 'exactly', '02 CNN đang được đầu tư hạ tầng kỹ thuật'),
    industrialProductionValueBnVnd: article(
      900,
      'bn VND',
      'over',
      'Năm 2021, giá trị sản xuất đạt trên 900 tỷ đồng',
    ),
    jobs: article(1000, 'workers', 'over', 'tạo việc làm cho trên 1.000 lao động'),
  },
} as const;

/** A catalog province figure (`provinceFigures()`) as the API reports sourced figures. */
function sourcedFigure(f: ProvinceFigure): Figure {
  return {
    value: f.value,
    unit: f.unit,
    qualifier: f.bound === 'over' ? 'over' : 'exactly',
    asOf: String(f.year),
    text: f.quote,
    sourceIds: [...f.sourceIds],
    sample: false,
  };
}

function figure(id: string): Figure {
  const f = provinceFigures().find((p) => p.id === id);
  if (!f) throw new Error(`the catalog has no province figure ${id}`);
  return sourcedFigure(f);
}

/** The latest reported industrial production value the catalog has a source for. */
function latestProductionValue(): Figure {
  const reported = provinceFigures()
    .filter(
      (f) =>
        f.kind === 'reported' && f.unit === 'bn VND' && f.measure.startsWith('industrial production value'),
    )
    .sort((a, b) => b.year - a.year);
  return reported[0] ? sourcedFigure(reported[0]) : ARTICLE_FIGURES.kcn.industrialProductionValueBnVnd;
}

/** The statistics response; `live` is computed from `zones` and `plots` as they are on the table now. */
export function buildStats(catalog: Pick<Catalog, 'version' | 'zones' | 'plots'>): Stats {
  const live = catalogStats(catalog);
  return {
    catalogVersion: catalog.version,
    live: {
      sample: true,
      note: 'Computed from the plots on the table. Plots are sample data calibrated to the sourced figures; allocations made through this system move them.',
      province: live.province,
      byKind: live.byKind,
      byFormerProvince: live.byFormerProvince,
    },
    sourced: {
      'article-kcn-2021': ARTICLE_FIGURES.kcn,
      'article-ccn-2021': ARTICLE_FIGURES.ccn,
      province: Object.fromEntries(provinceFigures().map((f) => [f.id, sourcedFigure(f)])),
    },
    targets: {
      industrialProductionValueBnVnd: {
        latest: latestProductionValue(),
        target2025: figure('industrial-production-value-target-2025'),
        target2030: figure('industrial-production-value-target-2030'),
      },
    },
  };
}
