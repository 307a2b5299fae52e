/**
 * The registry of the console's pages, in match order (first match wins). A new page is one module
 * exporting `page: Page` (see `../router.ts` for the contract) and one line here.
 */
import type { Page } from '../router.ts';
import { page as catalog } from './public/catalog.ts';
import { page as stats } from './public/stats.ts';
import { page as zone } from './public/zone.ts';

export const PAGES: readonly Page[] = [
  catalog,
  zone,
  stats,
  // Investor, official and zone-manager pages (engineer D2) are added below.
];
