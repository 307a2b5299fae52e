/**
 * The console's live parts in headless Chromium against the real local cloud (one cloud, one browser):
 *
 * - a zone manager has the console open when an investor's application holds a plot in their zone:
 *   the notification (PlotHeld, through the bus, queue and notifier to the SSE stream) appears with the
 *   unread badge, without a reload; when every connection is cut, the browser's EventSource resumes with
 *   Last-Event-ID and the list stays the API's own, with no duplicate and no gap;
 * - an official with 1,000 open tasks (written through the repository) opens the inbox: the first page
 *   shows, every page is reached with the keyboard alone, the 1,000 tasks come in due-date order across
 *   the 40 pages and exactly the overdue ones are marked.
 *
 * axe-core finds no violation on the notifications page and the big inbox; screenshots of each.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePlot, sampleZone } from '../helpers/dynamodb.ts';
import {
  axeViolations,
  type ConsoleCloud,
  garmentsEnquiry,
  PHONE,
  pageErrors,
  screenshots,
  seedOpenTasks,
  signIn,
  startConsoleCloud,
} from './helpers.ts';

const garments = garmentsEnquiry;

const ZONE = 'kcn-dong-pho-moi';
const dpm = sampleZone(ZONE, { allowedSectors: [{ code: '1410', version: 'VSIC2018' }] });
const plots = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => samplePlot(`dpm-${x}`, ZONE, { areaHa: 3 }));

const INVESTOR = 'investor-an';
const MANAGER = 'manager-dong-pho-moi';
const OFFICER = 'officer-zone-board';
/** A zone of the officer's scope that no journey here files in: its inbox holds only the seeded tasks. */
const INBOX_SCOPE = 'kcn-tang-loong';

let cloud: ConsoleCloud;

beforeAll(async () => {
  cloud = await startConsoleCloud({
    throttle: 'none',
    workflow: { catalog: { version: 'live-1', zones: [dpm], plots }, clock: { start: Date.now() } },
  });
}, 600_000);

afterAll(async () => {
  await cloud?.close();
});

const open = (page: Page, path: string) => cloud.open(page, path);

const tokenOf = (username: string) => cloud.tokenOf(username);

/** Applies over the API as the investor (journeys that start from an application already filed). */
const applyOverApi = (body: unknown) => cloud.applyOverApi(INVESTOR, body);

/** The manager's notifications as the API lists them (newest first), by number. */
async function apiSeqs(username: string): Promise<{ seqs: number[]; unread: number }> {
  const res = await fetch(`${cloud.url}/notifications?limit=20`, {
    headers: { authorization: `Bearer ${await tokenOf(username)}` },
  });
  expect(res.status).toBe(200);
  const page = (await res.json()) as { items: { seq: number }[]; unread: number };
  return { seqs: page.items.map((n) => n.seq), unread: page.unread };
}

/** On a phone-sized screen the page itself never scrolls sideways (wide tables scroll in their box). */
async function fitsPhone(page: Page): Promise<boolean> {
  const before = page.viewportSize();
  await page.setViewportSize(PHONE);
  const fits = await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
  if (before) await page.setViewportSize(before);
  return fits;
}

/** Whether the panel lists exactly the API's newest notifications, in its order. */
async function sameAsApi(page: Page): Promise<boolean> {
  const api = await apiSeqs(MANAGER);
  return (await shownSeqs(page)).join(',') === api.seqs.join(',');
}

const shownSeqs = (page: Page) =>
  page.$$eval('#notifications li[data-seq]', (items) =>
    items.map((li) => Number(li.getAttribute('data-seq'))),
  );

describe('the notifications panel', { timeout: 420_000 }, () => {
  it('shows a zone manager the plot held in their zone as it happens, and resumes without duplicates', async () => {
    const manager = await cloud.newPage();
    await manager.goto(cloud.url);
    await signIn(manager, MANAGER);
    await open(manager, '/notifications');
    await manager.waitForSelector('[data-testid="notifications-mode"][data-mode="stream"]');
    expect(await manager.getAttribute('[data-testid="notifications-link"]', 'data-unread')).toBe('0');
    // A marker on the window: a reload or a navigation to another document would lose it.
    await manager.evaluate('window.__sameDocument = true');

    await applyOverApi(garments());
    // The first application meets every workflow Lambda and the notifier cold.
    await manager.waitForSelector('#notifications li[data-event="PlotHeld"]', { timeout: 240_000 });
    expect(await manager.evaluate('window.__sameDocument')).toBe(true);
    expect(
      Number(await manager.getAttribute('[data-testid="notifications-link"]', 'data-unread')),
    ).toBeGreaterThan(0);
    expect(await manager.textContent('#notifications-announcer')).toMatch(/^Thông báo mới: /);
    await expect.poll(() => sameAsApi(manager), { timeout: 60_000 }).toBe(true);
    await open(manager, '/notifications');
    expect(await axeViolations(manager)).toEqual([]);
    expect(await fitsPhone(manager)).toBe(true);
    await screenshots(manager, 'notifications');

    // Every connection cut (the stream's too): the browser reconnects with Last-Event-ID by itself.
    const before = await shownSeqs(manager);
    const reconnected = manager.waitForRequest((r) => new URL(r.url()).pathname === '/notifications/stream');
    cloud.gateway.server.closeAllConnections();
    await reconnected;
    await manager.evaluate('window.__sameDocument = true');
    const second = await applyOverApi(garments());
    // The second application's last events reach the manager too: then nothing more is on its way.
    for (const event of ['PlotHeld', 'ApplicationApproved', 'PlotAllocated']) {
      await manager.waitForSelector(
        `#notifications li[data-event="${event}"][data-application="${second}"]`,
        { timeout: 180_000 },
      );
    }
    expect((await shownSeqs(manager)).filter((s) => !before.includes(s)).length).toBeGreaterThan(2);
    // Settled: the list is the API's, each number once; the badge is the API's unread count.
    await expect.poll(() => sameAsApi(manager), { timeout: 60_000 }).toBe(true);
    const shown = await shownSeqs(manager);
    expect(new Set(shown).size).toBe(shown.length);
    expect(await manager.evaluate('window.__sameDocument')).toBe(true);
    const { unread } = await apiSeqs(MANAGER);
    expect(await manager.getAttribute('[data-testid="notifications-link"]', 'data-unread')).toBe(
      String(unread),
    );

    // Marking one read lowers the badge by one.
    await manager.click('#notifications li.unread button');
    await manager.waitForSelector(`[data-testid="notifications-link"][data-unread="${unread - 1}"]`);
    expect((await apiSeqs(MANAGER)).unread).toBe(unread - 1);
    expect(pageErrors(manager)).toEqual([]);
  });
});

describe('the inbox with 1,000 open tasks', { timeout: 420_000 }, () => {
  it('shows the first page, pages through all 1,000 by keyboard in due-date order, overdue marked', async () => {
    const tasks = await seedOpenTasks(cloud, {
      count: 1_000,
      role: 'zone-board-officer',
      scope: INBOX_SCOPE,
    });
    const expected = [...tasks].sort((a, b) =>
      a.dueAt === b.dueAt ? a.taskId.localeCompare(b.taskId) : a.dueAt.localeCompare(b.dueAt),
    );

    const officer = await cloud.newPage();
    await officer.goto(cloud.url);
    await signIn(officer, OFFICER);
    await open(officer, `/inbox?role=zone-board-officer&scope=${INBOX_SCOPE}`);
    await officer.waitForSelector('table.inbox tbody tr');
    expect(await axeViolations(officer)).toEqual([]);
    expect(await fitsPhone(officer)).toBe(true);
    await screenshots(officer, 'inbox-1000');

    // To the pager by keyboard alone: from the first task's link, Tab until "next page" has the focus.
    await officer.focus('table.inbox tbody tr a');
    for (let i = 0; i < 60; i++) {
      const onNext = await officer.evaluate(
        `document.activeElement === document.querySelector('nav.pager button:last-of-type')`,
      );
      if (onNext) break;
      await officer.keyboard.press('Tab');
    }
    expect(await officer.evaluate(`document.activeElement?.closest('nav.pager') !== null`)).toBe(true);

    const seen: { task: string; due: string; overdue: boolean; marked: boolean }[] = [];
    let pages = 0;
    for (let n = 1; ; n++) {
      pages = n;
      await officer.waitForSelector(`[data-testid="inbox-page"][data-page="${n}"]`);
      const rows = await officer.$$eval('table.inbox tbody tr', (trs) =>
        trs.map((tr) => ({
          task: tr.getAttribute('data-task') ?? '',
          due: tr.getAttribute('data-due') ?? '',
          overdue: tr.classList.contains('overdue'),
          marked: tr.querySelector('.overdue-mark') !== null,
        })),
      );
      expect(rows.length, `page ${n}`).toBe(Math.min(25, tasks.length - seen.length));
      seen.push(...rows);
      const last = await officer.evaluate<boolean>(
        `document.querySelector('nav.pager button:last-of-type').disabled`,
      );
      if (last) break;
      // The focus stayed on "next page" after the page loaded: Enter again goes on.
      expect(
        await officer.evaluate(
          `document.activeElement === document.querySelector('nav.pager button:last-of-type')`,
        ),
      ).toBe(true);
      await officer.keyboard.press('Enter');
    }
    expect(seen.map((r) => r.task)).toEqual(expected.map((t) => t.taskId));
    const checkedAt = Date.now();
    for (const r of seen) {
      const overdue = Date.parse(r.due) < checkedAt;
      expect({ task: r.task, overdue: r.overdue, marked: r.marked }).toEqual({
        task: r.task,
        overdue,
        marked: overdue,
      });
    }
    expect(seen.filter((r) => r.overdue)).toHaveLength(100);

    // And back one page by keyboard: from the page number (the focus, "next" being disabled) Shift+Tab
    // reaches "previous page".
    await officer.keyboard.press('Shift+Tab');
    expect(await officer.evaluate(`document.activeElement?.textContent`)).toBe('Trang trước');
    await officer.keyboard.press('Enter');
    expect(pages).toBeGreaterThanOrEqual(40);
    await officer.waitForSelector(`[data-testid="inbox-page"][data-page="${pages - 1}"]`);
    expect(pageErrors(officer)).toEqual([]);
  });
});
