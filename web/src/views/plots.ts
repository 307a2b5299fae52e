/**
 * A zone's plots on its plan: each plot's category (what the zone manager acts on), its colour, a pattern
 * and a letter so the legend never relies on colour alone, and a treemap-like layout whose rectangles are
 * proportional to the plots' areas. Pure: the page draws the SVG from these numbers.
 */

export type PlotCategory = 'available' | 'held' | 'allocated' | 'clearance-pending' | 'disputed';

/** The plot fields the plan reads (the catalog's Plot; `clearance.status` as in ClearanceSchema). */
export interface PlotLike {
  id: string;
  areaHa: number;
  status: string;
  clearance: { status: string; [k: string]: unknown };
  [field: string]: unknown;
}

/**
 * allocated and held come first (the plot is taken, whatever its clearance); an available plot is
 * disputed, clearance-pending (not started or compensation in progress) or available (cleared).
 */
export function plotCategory(plot: Pick<PlotLike, 'status' | 'clearance'>): PlotCategory {
  if (plot.status === 'allocated') return 'allocated';
  if (plot.status === 'held') return 'held';
  const c = plot.clearance.status;
  if (c === 'disputed') return 'disputed';
  if (c === 'cleared') return 'available';
  return 'clearance-pending';
}

export interface CategoryStyle {
  /** Fill colour; text on it (`ink`) meets WCAG AA 4.5:1. */
  fill: string;
  ink: string;
  /** An SVG pattern id drawn over the fill, so categories differ without colour. */
  pattern: 'none' | 'hatch' | 'cross' | 'dots' | 'stripes';
  /** A one-letter mark printed in the plot and the legend. */
  mark: string;
}

export const CATEGORY_STYLES: Record<PlotCategory, CategoryStyle> = {
  available: { fill: '#d8f0d8', ink: '#0b3d0b', pattern: 'none', mark: 'A' },
  held: { fill: '#fde8b0', ink: '#4a3500', pattern: 'hatch', mark: 'H' },
  allocated: { fill: '#c9d7ee', ink: '#0d2750', pattern: 'dots', mark: 'X' },
  'clearance-pending': { fill: '#eeeeee', ink: '#2b2b2b', pattern: 'stripes', mark: 'C' },
  disputed: { fill: '#f6d0d0', ink: '#5c0a0a', pattern: 'cross', mark: 'D' },
};

export const CATEGORIES: readonly PlotCategory[] = [
  'available',
  'held',
  'allocated',
  'clearance-pending',
  'disputed',
];

/** Number of plots per category (every category present, zero when none). */
export function countByCategory(plots: readonly Pick<PlotLike, 'status' | 'clearance'>[]) {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<PlotCategory, number>;
  for (const p of plots) counts[plotCategory(p)] += 1;
  return counts;
}

export interface PlotRect {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Lays plots out in rows (about √n per row, in id order) inside width × height: each row's height is
 * proportional to its plots' total area and each plot's width to its area within the row, so every
 * rectangle's area is proportional to the plot's. Rectangles tile the plan without overlapping.
 */
export function planLayout(plots: readonly Pick<PlotLike, 'id' | 'areaHa'>[], width: number, height: number) {
  const sorted = [...plots].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const total = sorted.reduce((s, p) => s + Math.max(0, p.areaHa), 0);
  if (sorted.length === 0 || total <= 0) return [] as PlotRect[];
  const perRow = Math.max(1, Math.ceil(Math.sqrt(sorted.length)));
  const rects: PlotRect[] = [];
  let y = 0;
  for (let i = 0; i < sorted.length; i += perRow) {
    const row = sorted.slice(i, i + perRow);
    const rowArea = row.reduce((s, p) => s + Math.max(0, p.areaHa), 0);
    const rowHeight = (rowArea / total) * height;
    let x = 0;
    for (const p of row) {
      const w = rowArea > 0 ? (Math.max(0, p.areaHa) / rowArea) * width : 0;
      rects.push({ id: p.id, x, y, width: w, height: rowHeight });
      x += w;
    }
    y += rowHeight;
  }
  return rects;
}
