/**
 * Journeys through the web console as people click them, in headless Chromium against the real local
 * cloud (one cloud, one browser for the file): an investor's bad input shows each field's error and sends
 * nothing; an investor applies and sees the matched sites; an official approves and the investor sees it;
 * an official asks for information and the investor answers; a rejection (and a stale second decision
 * told "already decided"); a withdrawal; a zone manager clears a plot and the waiting application moves
 * on. axe-core finds no violation on each page; screenshots of each (desktop and phone) go to
 * `screenshots/`. No sleeps: every wait is for a selector, a status or the workflow's own state.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import { enquiryFields, fromEnquiry } from '../../web/src/views/enquiry-form.ts';
import { samplePlot, sampleZone } from '../helpers/dynamodb.ts';
import {
  axeViolations,
  type ConsoleCloud,
  garmentsEnquiry,
  pageErrors,
  screenshots,
  settled,
  signIn,
  startConsoleCloud,
} from './helpers.ts';

const garments = garmentsEnquiry;
/** Garments for wood veneer on 30 ha: only the plot still being compensated fits it. */
const veneer = (): EnquiryInput => ({
  ...garments(),
  project: { name: 'Veneer', vsic: { code: '1621', version: 'VSIC2025' }, description: 'Veneer sheets' },
  landAreaHa: 30,
});
/** A domestic investor asking for an IRC: one zone-board stage (the route under Law 143/2025). */
const WITH_IRC = { landRoute: 'sublease', ircRequested: true };

const ZONE = 'kcn-dong-pho-moi';
const dpm = sampleZone(ZONE, {
  allowedSectors: [
    { code: '1410', version: 'VSIC2018' },
    { code: '1621', version: 'VSIC2025' },
  ],
});
const plots = [
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((x) => samplePlot(`dpm-${x}`, ZONE, { areaHa: 3 })),
  samplePlot('dpm-clearing', ZONE, {
    areaHa: 40,
    clearance: { status: 'compensation_in_progress', compensationPercent: 80, expectedDate: '2026-06-01' },
  }),
];

const INVESTOR = 'investor-an';
const OFFICER = 'officer-zone-board';
const MANAGER = 'manager-dong-pho-moi';

let cloud: ConsoleCloud;
let investor: Page;
let officer: Page;

beforeAll(async () => {
  cloud = await startConsoleCloud({
    throttle: 'none',
    workflow: { catalog: { version: 'journeys-1', zones: [dpm], plots }, clock: { start: Date.now() } },
  });
  investor = await cloud.newPage();
  await investor.goto(cloud.url);
  await signIn(investor, INVESTOR);
  officer = await cloud.newPage();
  await officer.goto(cloud.url);
  await signIn(officer, OFFICER);
}, 600_000);

afterAll(async () => {
  await cloud?.close();
});

const open = (page: Page, path: string) => cloud.open(page, path);

/** axe-core on the page as it is, and its screenshots (desktop and phone). */
async function check(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page), name).toEqual([]);
  await screenshots(page, name);
}

const tokenOf = (username: string) => cloud.tokenOf(username);

/** Applies over the API as the investor (journeys that start from an application already filed). */
const applyOverApi = (body: unknown) => cloud.applyOverApi(INVESTOR, body);

async function openTaskOf(applicationId: string): Promise<string> {
  const [task] = await cloud.api.workflow.waitForOpenTasks(applicationId, { attempts: 2_400 });
  if (!task) throw new Error(`no open task for ${applicationId}`);
  return task.taskId;
}

/** Waits until the application's page shows `status` (the page follows the application by itself). */
async function seesStatus(page: Page, status: string): Promise<void> {
  await page.waitForSelector(`[data-status="${status}"]`, { timeout: 180_000 });
}

const idOf = (path: string) => `#f-${path.replace(/[^A-Za-z0-9]/g, '-')}`;

async function fillEnquiry(page: Page, enquiry: unknown): Promise<void> {
  const fields = enquiryFields();
  const values = fromEnquiry(fields, enquiry);
  for (const f of fields) {
    const v = values[f.path];
    if (f.control === 'checkboxes') {
      for (const o of (v as string[]) ?? []) await page.check(`${idOf(f.path)}-${o}`);
    } else if (f.control === 'checkbox') {
      if (v === true) await page.check(idOf(f.path));
    } else if (f.control === 'select') {
      await page.selectOption(idOf(f.path), String(v ?? ''));
    } else if (typeof v === 'string' && v !== '') {
      await page.fill(idOf(f.path), v);
    }
  }
}

describe('the investor', { timeout: 300_000 }, () => {
  it('sees each bad field’s error in Vietnamese, and nothing is sent', async () => {
    const posts: string[] = [];
    investor.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/applications') posts.push(r.url());
    });
    await open(investor, '/apply');
    await investor.fill(idOf('investor.name'), 'Công ty TNHH Thử');
    await investor.fill(idOf('investor.contact.email'), 'not-an-email');
    await investor.fill(idOf('project.vsic.code'), '14');
    await investor.click('form.enquiry-form button[type="submit"]');
    await investor.waitForSelector(
      `${idOf('investor.contact.email')}-error:has-text("Phải là địa chỉ email")`,
    );
    expect(await investor.textContent(`${idOf('project.vsic.code')}-error`)).toBe(
      'Phải là mã ngành VSIC cấp 4 gồm 4 chữ số',
    );
    expect(await investor.textContent(`${idOf('landAreaHa')}-error`)).toBe('Bắt buộc');
    expect(await investor.getAttribute(idOf('investor.contact.email'), 'aria-invalid')).toBe('true');
    // The first wrong field has the focus; the summary names every wrong field.
    expect(await investor.evaluate('document.activeElement?.id')).toBe('f-investor-enterpriseCode');
    expect(await investor.locator('.form-status li').count()).toBeGreaterThan(3);
    await check(investor, 'apply-errors');
    expect(posts).toEqual([]);
    const mine = await fetch(`${cloud.url}/applications`, {
      headers: { authorization: `Bearer ${await tokenOf(INVESTOR)}` },
    });
    expect(((await mine.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('applies with the guided form and sees the matched sites with their score breakdown', async () => {
    await open(investor, '/apply');
    await check(investor, 'apply');
    await fillEnquiry(investor, garments());
    await investor.click('form.enquiry-form button[type="submit"]');
    await investor.waitForURL(/#\/applications\/[^/]+$/);
    // The first application meets every workflow Lambda cold (worker threads importing their bundles).
    await investor.waitForSelector('table.matched-sites tbody tr', { timeout: 240_000 });
    await investor.waitForSelector('details.breakdown table');
    expect(await investor.locator('table.matched-sites tbody tr').count()).toBeGreaterThan(0);
    expect(await investor.locator('.progress-steps li').count()).toBeGreaterThanOrEqual(5);
    await seesStatus(investor, 'allocated');
    // Every matched site shows its rank and why: its criteria with weights and points, in rank order.
    const ranks = await investor.$$eval('table.matched-sites tbody tr', (rows) =>
      rows.map((r) => Number(r.querySelector('td')?.textContent)),
    );
    expect(ranks.length).toBeGreaterThan(1);
    expect(ranks).toEqual(ranks.map((_, i) => i + 1));
    const breakdowns = investor.locator('details.breakdown');
    expect(await breakdowns.count()).toBe(ranks.length);
    for (let i = 0; i < ranks.length; i++) {
      const site = breakdowns.nth(i);
      if (!(await site.evaluate((d) => d.hasAttribute('open')))) await site.locator('summary').click();
      const criteria = await site
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-criterion')));
      expect(criteria).toContain('sectorPriority');
      expect(criteria).toContain('areaFit');
      expect(await site.locator('summary').textContent()).toMatch(new RegExp(`^Hạng ${i + 1} · `));
    }
    await check(investor, 'application');
    await open(investor, '/applications');
    await investor.waitForSelector('table.applications tbody tr');
    await check(investor, 'my-applications');
    expect(pageErrors(investor)).toEqual([]);
  });
});

describe('the official and the investor', { timeout: 300_000 }, () => {
  it('an official approves from the inbox and the investor sees the application allocated', async () => {
    const id = await applyOverApi({ ...garments(), routing: WITH_IRC });
    const taskId = await openTaskOf(id);
    await open(officer, `/inbox?role=zone-board-officer&scope=${ZONE}`);
    const link = `a[href="#/tasks/${encodeURIComponent(taskId)}"]`;
    await officer.waitForSelector(link);
    await check(officer, 'inbox');
    await officer.click(link);
    await settled(officer);
    await officer.waitForSelector('#decision-approve');
    await check(officer, 'task');
    await officer.check('#decision-approve');
    await officer.click('form[aria-labelledby="decision-title"] button[type="submit"]');
    await officer.waitForSelector('#task-status:text("decided")');
    await open(investor, `/applications/${encodeURIComponent(id)}`);
    await seesStatus(investor, 'allocated');
    expect(await investor.locator('.progress-steps .step-done').count()).toBe(
      await investor.locator('.progress-steps li').count(),
    );
  });

  it('an official asks for information and the investor answers; the stage resumes', async () => {
    const id = await applyOverApi({ ...garments(), routing: WITH_IRC });
    const taskId = await openTaskOf(id);
    await open(officer, `/tasks/${encodeURIComponent(taskId)}`);
    await officer.check('#decision-request-information');
    await officer.fill('#decision-reason', 'Please send the fire-safety design approval.');
    await officer.click('form[aria-labelledby="decision-title"] button[type="submit"]');
    await officer.waitForSelector('#task-status:text("information-requested")');
    await open(investor, `/applications/${encodeURIComponent(id)}`);
    await seesStatus(investor, 'information-requested');
    await investor.waitForSelector('ul.questions li:has-text("fire-safety design approval")');
    expect(await investor.locator('.step-waiting-investor').count()).toBe(1);
    await check(investor, 'answer');
    await investor.fill('#answer-text', 'Approval PCCC 12/2026 attached.');
    await investor.click('form[aria-labelledby="answer-title"] button[type="submit"]');
    await seesStatus(investor, 'in-approval');
    expect(await investor.locator('#answer-text').count()).toBe(0);
  });

  it('a rejection needs a reason, reaches the investor, and a second official is told it is already decided', async () => {
    const id = await applyOverApi({ ...garments(), routing: WITH_IRC });
    const taskId = await openTaskOf(id);
    const stale = await cloud.newPage();
    await stale.goto(cloud.url);
    await signIn(stale, OFFICER);
    await open(stale, `/tasks/${encodeURIComponent(taskId)}`);
    await open(officer, `/tasks/${encodeURIComponent(taskId)}`);
    const decisions: string[] = [];
    officer.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/decision')) decisions.push(r.url());
    });
    await officer.check('#decision-reject');
    await officer.click('form[aria-labelledby="decision-title"] button[type="submit"]');
    await officer.waitForSelector('#reason-error:text("Cần nêu lý do từ chối")');
    expect(decisions).toEqual([]);
    await officer.fill('#decision-reason', 'The sector is not allowed on this plot.');
    await officer.click('form[aria-labelledby="decision-title"] button[type="submit"]');
    await officer.waitForSelector('#task-status:text("decided")');
    expect(decisions).toHaveLength(1);

    await stale.check('#decision-approve');
    await stale.click('form[aria-labelledby="decision-title"] button[type="submit"]');
    await stale.waitForSelector('.already-decided');

    await open(investor, `/applications/${encodeURIComponent(id)}`);
    await seesStatus(investor, 'rejected');
    expect(await investor.locator('.step-stopped').count()).toBe(1);
  });

  it('the investor withdraws with a reason, after confirming', async () => {
    const id = await applyOverApi({ ...garments(), routing: WITH_IRC });
    await openTaskOf(id);
    await open(investor, `/applications/${encodeURIComponent(id)}`);
    await investor.click('form[aria-labelledby="withdraw-title"] button[type="submit"]');
    await investor.waitForSelector('#withdraw-error:text("Cần nêu lý do rút hồ sơ")');
    await investor.fill('#withdraw-reason', 'We chose another province.');
    await investor.click('form[aria-labelledby="withdraw-title"] button[type="submit"]');
    await investor.waitForSelector('.confirm:not([hidden]) button.danger');
    await check(investor, 'withdraw-confirm');
    await investor.click('.confirm button.danger');
    await seesStatus(investor, 'withdrawn');
    expect((await cloud.api.repository.getApplication(id))?.status).toBe('withdrawn');
  });
});

describe('the zone manager', { timeout: 300_000 }, () => {
  it('clears a plot on the zone’s plan and the application waiting for it moves on', async () => {
    const id = await applyOverApi(veneer());
    await cloud.api.workflow.waitForStatus(id, 'waiting-for-clearance', { attempts: 2_400 });
    const manager = await cloud.newPage();
    await manager.goto(cloud.url);
    await signIn(manager, MANAGER);
    await open(manager, '/manage');
    await manager.waitForSelector('svg.plan a[data-plot="dpm-clearing"]');
    await manager.waitForSelector('#notifications p, #notifications ul');
    await manager.waitForSelector(`table.holds tr[data-plot="dpm-clearing"]`);
    await check(manager, 'manage');
    expect(await manager.getAttribute('svg.plan a[data-plot="dpm-clearing"]', 'data-category')).toBe('held');
    await manager.click('svg.plan a[data-plot="dpm-clearing"]');
    await settled(manager);
    await manager.waitForSelector('#cl-plot');
    expect(await manager.inputValue('#cl-plot')).toBe('dpm-clearing');
    await manager.selectOption('#cl-status', 'cleared');
    await manager.fill('#cl-note', 'Compensation paid to the last household.');
    await manager.click('#clearance-form button[type="submit"]');
    await manager.waitForSelector('#clearance-status:has-text("dpm-clearing")');
    await open(investor, `/applications/${encodeURIComponent(id)}`);
    await seesStatus(investor, 'allocated');
    expect(pageErrors(manager)).toEqual([]);
  });
});
