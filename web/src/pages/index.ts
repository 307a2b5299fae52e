/**
 * The registry of the console's pages, in match order (first match wins). A new page is one module
 * exporting `page: Page` (see `../router.ts` for the contract) and one line here.
 */
import type { Page } from '../router.ts';
import { page as application } from './investor/application.ts';
import { page as apply } from './investor/apply.ts';
import { page as myApplications } from './investor/mine.ts';
import { page as manage } from './manager/zone.ts';
import { page as notifications } from './notifications.ts';
import { page as inbox } from './official/inbox.ts';
import { page as task } from './official/task.ts';
import { page as catalog } from './public/catalog.ts';
import { page as stats } from './public/stats.ts';
import { page as zone } from './public/zone.ts';

export const PAGES: readonly Page[] = [
  catalog,
  zone,
  stats,
  // Investor, official and zone-manager pages (engineer D2) are added below.
  apply,
  myApplications,
  application,
  inbox,
  task,
  manage,
  notifications,
];
