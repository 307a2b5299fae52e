/**
 * The browser tests' harness: the web console on the local cloud, driven by headless Chromium
 * (Debian's package; Playwright's own browser download is not used).
 *
 * One cloud per test file: the real CDK app (synthesized once per source content, as every API test
 * does: `npm start` would bundle every function again, minutes on two cores), DynamoDB Local with the
 * catalog, the Step Functions engine, every Lambda from its asset, the local issuer with the demo users,
 * and the local gateway serving the API and the console built for the local cloud, on a free port.
 * The workflow's TestClock is there for journeys that need time to pass (`cloud.api.workflow.clock`).
 *
 *   const cloud = await startConsoleCloud();          // beforeAll
 *   const page = await cloud.newPage();
 *   await page.goto(cloud.url);
 *   await signIn(page, 'investor-an');
 *   expect(await axeViolations(page)).toEqual([]);
 *   await screenshots(page, 'catalog');               // screenshots/catalog-desktop.png, -phone.png
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { freePort } from '#local/dynamodb/launcher.ts';
import { localNotifications } from '#local/gateway/notifications-stream.ts';
import { type LocalGateway, startGateway } from '#local/gateway/server.ts';
import { staticSite } from '#local/gateway/static.ts';
import type { EnquiryInput } from '#shared/enquiry/schema.ts';
import { buildConsole } from '../../web/build.ts';
import { type ApiHarness, type ApiHarnessOptions, startApiHarness } from '../integration/api-harness.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
export const SCREENSHOT_DIR = join(repoRoot, 'screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Debian's Chromium: `CHROMIUM_PATH`, else `chromium` (or `chromium-browser`) on the PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  throw new Error('Chromium is not installed: apt-get install chromium (or set CHROMIUM_PATH)');
}

export interface ConsoleCloud {
  /** The console and the API, e.g. `http://127.0.0.1:41234` (open `${url}/#/stats`). */
  url: string;
  /** The API harness underneath: repository, workflow (TestClock), tokens, snapshot. */
  api: ApiHarness;
  gateway: LocalGateway;
  browser: Browser;
  /** A fresh browser context (own sessionStorage and localStorage) and page, desktop size by default. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Opens the console's `#path` on `page` and waits until it has settled. */
  open(page: Page, path: string): Promise<void>;
  /** An access token of a demo user from the console's own origin (the issuer URL the gateway accepts). */
  tokenOf(username: string): Promise<string>;
  /** Files an application over the API as `username` (journeys that start from one already filed): its id. */
  applyOverApi(username: string, body: unknown): Promise<string>;
  close(): Promise<void>;
}

/** The domestic garments enquiry of the fixtures (VSIC 1410 on 3 ha). */
export function garmentsEnquiry(): EnquiryInput {
  return JSON.parse(
    readFileSync(new URL('../fixtures/enquiries/valid-garments-domestic.json', import.meta.url), 'utf8'),
  ) as EnquiryInput;
}

export interface ConsoleCloudOptions extends ApiHarnessOptions {
  /**
   * Serve `GET /notifications/stream` beside the API, as the local cloud does (default true); the
   * recipients' directory is seeded from the demo users.
   */
  notificationStream?: boolean;
}

export async function startConsoleCloud(options: ConsoleCloudOptions = {}): Promise<ConsoleCloud> {
  const api = await startApiHarness(options);
  const contexts: BrowserContext[] = [];
  let gateway: LocalGateway | undefined;
  let browser: Browser | undefined;
  try {
    const built = buildConsole({ outDir: join(api.outdir, 'console'), mode: 'local' });
    const site = staticSite(built.outDir, { apiUrl: '', auth: { kind: 'local' } });
    const gatewayOptions =
      options.notificationStream === false
        ? api.options
        : {
            ...api.options,
            notifications: await localNotifications(api.workflow.client, api.tableName, api.issuer.demoUsers),
          };
    gateway = await startGateway(await freePort(), async () => ({}), gatewayOptions, site);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  } catch (error) {
    await gateway?.close();
    await api.close();
    throw error;
  }
  const b = browser;
  const g = gateway;
  const tokenOf = async (username: string) => {
    const res = await fetch(`${g.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: `Demo-${username}-1` }),
    });
    if (res.status !== 200) throw new Error(`sign-in of ${username}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { accessToken: string }).accessToken;
  };
  return {
    url: g.url,
    api,
    gateway: g,
    browser: b,
    async newPage(viewport = DESKTOP) {
      const context = await b.newContext({ viewport, locale: 'vi-VN' });
      contexts.push(context);
      const page = await context.newPage();
      // A script error on the page fails the test that reads it (see pageErrors).
      page.on('pageerror', (error) => errorsOf(page).push(error.message));
      return page;
    },
    async open(page, path) {
      await page.goto(`${g.url}/#${path}`);
      await settled(page);
    },
    tokenOf,
    async applyOverApi(username, body) {
      const res = await fetch(`${g.url}/applications`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await tokenOf(username)}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify(body),
      });
      if (res.status !== 202) throw new Error(`POST /applications: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await b.close().catch(() => undefined);
      await g.close();
      await api.close();
    },
  };
}

const pageErrorLog = new WeakMap<Page, string[]>();
function errorsOf(page: Page): string[] {
  let list = pageErrorLog.get(page);
  if (!list) {
    list = [];
    pageErrorLog.set(page, list);
  }
  return list;
}
/** Uncaught script errors seen on `page` so far (a test expects none). */
export function pageErrors(page: Page): string[] {
  return [...errorsOf(page)];
}

/** Waits until the shell has rendered a page (its h1 has text and nothing is loading). */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main h1:not(:empty)');
  await page.waitForSelector('main:not([aria-busy])');
}

/** Signs in on the local sign-in page with the demo user's button; waits for the header to say so. */
export async function signIn(page: Page, username: string): Promise<void> {
  const base = new URL(page.url()).origin;
  await page.goto(`${base}/#/sign-in`);
  await page.click(`button[data-username="${username}"]`);
  await page.waitForSelector('[data-testid="signed-in-user"]');
  await settled(page);
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's violations on the page as it is now (every rule axe runs by default, WCAG 2.x A and AA
 * included). The source is evaluated through the DevTools protocol, so the page's CSP need not allow it.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate<boolean>("typeof window.axe === 'object'");
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`);
}

/**
 * Full-page screenshots at desktop (1280×800) and phone (390×844) sizes into `screenshots/` (git-ignored):
 * `<name>-desktop.png` and `<name>-phone.png`. The viewport is put back afterwards.
 */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  const files: string[] = [];
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    const file = join(SCREENSHOT_DIR, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(before);
  return files;
}

/** One seeded inbox task: its ids and due instant. */
export interface SeededTask {
  applicationId: string;
  taskId: string;
  dueAt: string;
}

/**
 * Writes `count` open approval tasks for one role and scope through the repository (no workflow behind
 * them: the inbox only lists them). Due dates run from 100 h before `now` to `count - 100` h after it, a
 * half hour off the hour so none falls on `now` (so exactly 100 are overdue when count ≥ 100), written in
 * a shuffled order (389 is prime to 1,000 and to most counts a test uses).
 */
export async function seedOpenTasks(
  cloud: ConsoleCloud,
  options: { count: number; role: string; scope: string; now?: number; prefix?: string },
): Promise<SeededTask[]> {
  const now = options.now ?? Date.now();
  const HOUR = 3_600_000;
  const prefix = options.prefix ?? 'inbox';
  const width = String(options.count).length;
  const tasks = Array.from({ length: options.count }, (_, i) => {
    const k = (i * 389) % options.count;
    const n = String(i).padStart(width, '0');
    return {
      applicationId: `${prefix}-app-${n}`,
      taskId: `${prefix}-task-${n}`,
      dueAt: new Date(now + (k - 100) * HOUR + HOUR / 2).toISOString(),
    };
  });
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        await cloud.api.repository.waits.openApprovalTask({
          ...t,
          role: options.role,
          scope: options.scope,
          reminderAt: t.dueAt,
          startedAt: new Date(now - 200 * HOUR).toISOString(),
          stageId: 'zone-board-review',
          supervisorRole: 'provincial-officer',
          legalBasis: 'Nghị định 35/2022/NĐ-CP, Điều 6',
          details: { title: { vi: 'Thẩm định của Ban quản lý', en: 'Zone board review' } },
        });
      }
    }),
  );
  return tasks;
}
