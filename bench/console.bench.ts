/**
 * The web console's first paint on the local cloud, measured in headless Chromium by the Performance
 * API: first contentful paint (FCP) of the zone catalog, of an official's inbox, and of an inbox holding
 * 1,000 open tasks (seeded through the repository; the console shows them 25 to a page), and when the
 * page's content is ready (its data rendered: the first page of tasks). Goal: FCP ≤ 1 s. Each figure
 * is the median of fresh page loads (new browser context: nothing cached, sign-in kept in sessionStorage
 * for the inbox).
 */
import type { Page } from 'playwright-core';
import { seedOpenTasks, settled, signIn, startConsoleCloud } from '../test/browser/helpers.ts';

const RUNS = 7;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function measure(page: Page, url: string, ready: string) {
  await page.goto(url);
  await settled(page);
  await page.waitForSelector(ready);
  return page.evaluate<{ fcp: number; ready: number }>(`({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    ready: performance.now(),
  })`);
}

export default async function bench(): Promise<void> {
  const cloud = await startConsoleCloud();
  try {
    const rows: Array<[string, number[], number[]]> = [];
    const catalog: Array<{ fcp: number; ready: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await cloud.newPage();
      catalog.push(await measure(page, `${cloud.url}/#/`, '.zone-card'));
      await page.context().close();
    }
    rows.push(['catalog (#/)', catalog.map((m) => m.fcp), catalog.map((m) => m.ready)]);

    const inbox: Array<{ fcp: number; ready: number }> = [];
    const signedIn = await cloud.newPage();
    await signedIn.goto(cloud.url);
    await signIn(signedIn, 'officer-zone-board');
    const session = await signedIn.evaluate<string>(`sessionStorage.getItem('console.session')`);
    for (let i = 0; i < RUNS; i++) {
      const page = await cloud.newPage();
      await page.addInitScript(`sessionStorage.setItem('console.session', ${JSON.stringify(session)})`);
      inbox.push(await measure(page, `${cloud.url}/#/inbox`, 'main h1'));
      await page.context().close();
    }
    rows.push(['official inbox (#/inbox)', inbox.map((m) => m.fcp), inbox.map((m) => m.ready)]);

    await seedOpenTasks(cloud, { count: 1_000, role: 'zone-board-officer', scope: 'kcn-tang-loong' });
    const big: Array<{ fcp: number; ready: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await cloud.newPage();
      await page.addInitScript(`sessionStorage.setItem('console.session', ${JSON.stringify(session)})`);
      big.push(
        await measure(
          page,
          `${cloud.url}/#/inbox?role=zone-board-officer&scope=kcn-tang-loong`,
          'table.inbox tbody tr',
        ),
      );
      await page.context().close();
    }
    rows.push([
      'inbox with 1,000 open tasks (first page of 25)',
      big.map((m) => m.fcp),
      big.map((m) => m.ready),
    ]);

    console.log(`| page | FCP median (ms) | FCP max (ms) | content ready median (ms) | goal FCP ≤ 1000 ms |`);
    console.log('|---|---|---|---|---|');
    for (const [name, fcp, ready] of rows) {
      const m = median(fcp);
      console.log(
        `| ${name} | ${m.toFixed(0)} | ${Math.max(...fcp).toFixed(0)} | ${median(ready).toFixed(0)} | ${m <= 1000 ? 'met' : 'MISSED'} |`,
      );
    }
    console.log(`(${RUNS} fresh loads each, headless Chromium on the local cloud)`);
  } finally {
    await cloud.close();
  }
}
