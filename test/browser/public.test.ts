/**
 * The console's public pages, sign-in and the shell in a real browser against the local cloud: the
 * catalog on its plan of the province, a zone, the statistics, the language switch, sign-in and
 * sign-out with a demo user, the error pages; axe-core finds nothing on each; screenshots of each.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  type ConsoleCloud,
  pageErrors,
  screenshots,
  settled,
  signIn,
  startConsoleCloud,
} from './helpers.ts';

// Each test may take up to 2 minutes on a loaded two-core machine (page loads, axe, full-page screenshots).
let cloud: ConsoleCloud;
let zoneCount: number;

beforeAll(async () => {
  cloud = await startConsoleCloud();
  const res = await fetch(`${cloud.url}/zones`);
  zoneCount = ((await res.json()) as { items: unknown[] }).items.length;
}, 900_000);

afterAll(async () => {
  await cloud?.close();
});

async function open(path: string, page?: Page): Promise<Page> {
  const p = page ?? (await cloud.newPage());
  await p.goto(`${cloud.url}/#${path}`);
  await settled(p);
  return p;
}

describe('serving on the local cloud', { timeout: 120_000 }, () => {
  it('serves the console at / with its hashed assets cached for a year and a config that is not cached', async () => {
    const index = await fetch(`${cloud.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const script = /src="\.\/(assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    const style = /href="\.\/(assets\/main-[A-Z0-9]+\.css)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    const js = await fetch(`${cloud.url}/${script}`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await fetch(`${cloud.url}/${style}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const config = await fetch(`${cloud.url}/config.json`);
    expect(config.headers.get('cache-control')).toBe('no-store');
    expect(await config.json()).toEqual({ apiUrl: '', auth: { kind: 'local' } });
    expect((await fetch(`${cloud.url}/assets/nothing-here.js`)).status).toBe(404);
    expect((await fetch(`${cloud.url}/assets/..%2Fconfig.json`)).status).toBe(404);
  });

  it('never shadows an API route: every route of the template still reaches the API', async () => {
    const routes = cloud.gateway.api?.routes ?? [];
    expect(routes.length).toBeGreaterThan(4);
    for (const route of routes) {
      const path = route.routeKey.split(' ')[1]?.replace(/\{[^}]+\}/g, 'x') ?? '/';
      const method = route.method === 'ANY' ? 'GET' : route.method;
      const res = await fetch(`${cloud.url}${path}`, {
        method,
        ...(method === 'GET' || method === 'HEAD'
          ? {}
          : { body: '{}', headers: { 'content-type': 'application/json' } }),
      });
      // The API's own answer (whatever its status) carries API Gateway's request id; the console's files never do.
      expect(res.headers.get('apigw-requestid'), route.routeKey).toBeTruthy();
      expect(res.headers.get('content-type') ?? '', route.routeKey).not.toContain('text/html');
      await res.arrayBuffer();
    }
  });
});

describe('public pages', { timeout: 120_000 }, () => {
  it('shows every zone on the plan of the province and as a card, with sample figures marked', async () => {
    const page = await open('/');
    expect(await page.locator('.map a').count()).toBe(zoneCount);
    expect(await page.locator('.zone-card').count()).toBe(zoneCount);
    expect(await page.locator('.zone-card .sample-badge').count()).toBeGreaterThan(0);
    expect(await page.locator('h1').textContent()).toBe('Khu công nghiệp và cụm công nghiệp');
    // No source gives coordinates: the plan says on its face that it is schematic, in both languages.
    expect(await page.locator('.map .schematic-label').textContent()).toBe(
      'Sơ đồ minh họa · không theo tỷ lệ',
    );
    expect(await page.locator('main').textContent()).toContain('không phải tọa độ đo đạc');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'catalog');
    await page.selectOption('#lang-select', 'en');
    await page.locator('.map .schematic-label', { hasText: 'Schematic · not to scale' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('not surveyed coordinates');
    await page.selectOption('#lang-select', 'vi');
    await page.locator('.map .schematic-label', { hasText: 'Sơ đồ minh họa' }).waitFor();
    expect(pageErrors(page)).toEqual([]);
  });

  it('filters the catalog by kind through the API', async () => {
    const page = await open('/');
    await page.selectOption('#filter-kind', 'CCN');
    await page.waitForURL(/#\/\?kind=CCN$/);
    await settled(page);
    const expected = ((await (await fetch(`${cloud.url}/zones?kind=CCN`)).json()) as { items: unknown[] })
      .items.length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(zoneCount);
    await page.locator('[data-testid="zone-count"]', { hasText: new RegExp(`^${expected} khu$`) }).waitFor();
    expect(await page.locator('.zone-card').count()).toBe(expected);
  });

  it('opens a zone from its card with its utilities, sectors and live plots', async () => {
    const page = await open('/');
    const first = page.locator('.zone-card h3 a').first();
    const name = await first.textContent();
    await first.click();
    await page.locator('main h1', { hasText: name ?? '' }).waitFor();
    await settled(page);
    expect(await page.locator('main h1').textContent()).toBe(name);
    expect(page.url()).toMatch(/#\/zones\/[a-z0-9-]+$/);
    await expect(page.locator('#zone-sectors').count()).resolves.toBe(1);
    expect(await page.locator('main').textContent()).toContain('Lô đất (hiện tại)');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'zone');
  });

  it('shows the statistics with the 2025 and 2030 targets beside the latest sourced figure', async () => {
    const page = await open('/stats');
    const targets = page.locator('figure').first();
    expect(await targets.locator('rect.bar').count()).toBe(3);
    expect(await targets.locator('rect.bar.target').count()).toBe(2);
    expect(await page.locator('figure').count()).toBe(4);
    expect(await page.locator('figure rect.bar.sample').count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'stats');
  });

  it('switches to English and remembers it after a reload', async () => {
    const page = await open('/stats');
    await page.selectOption('#lang-select', 'en');
    await page.locator('main h1', { hasText: /^Statistics$/ }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.reload();
    await settled(page);
    expect(await page.locator('main h1').textContent()).toBe('Statistics');
    expect(await page.locator('nav').textContent()).toContain('Zones');
    expect(await axeViolations(page)).toEqual([]);
  });
});

describe('sign-in and sign-out', { timeout: 120_000 }, () => {
  it('signs in with a demo user listed on the local sign-in page, and signs out', async () => {
    const page = await open('/sign-in');
    expect(await page.locator('button[data-username]').count()).toBeGreaterThan(5);
    expect(await page.locator('label[for="sign-in-username"]').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'sign-in');
    await signIn(page, 'investor-an');
    expect(await page.locator('[data-testid="signed-in-user"]').textContent()).toContain('investor-an');
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('console.session')`)).toContain(
      'investor-an',
    );
    expect(await page.evaluate<string>('JSON.stringify(localStorage)')).not.toContain('token');
    await page.click('header button:has-text("Đăng xuất")');
    await page.waitForSelector('.notice');
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('console.session')`)).toBeNull();
    expect(await page.locator('[data-testid="signed-in-user"]').count()).toBe(0);
  });

  it('refuses a wrong password with a message by the form and signs nobody in', async () => {
    const page = await open('/sign-in');
    await page.fill('#sign-in-username', 'investor-an');
    await page.fill('#sign-in-password', 'not-the-password');
    await page.click('form button[type="submit"]');
    await page.waitForSelector('.form-status:not(:empty)');
    expect(await page.locator('.form-status').textContent()).toBe('Tên đăng nhập hoặc mật khẩu không đúng.');
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('console.session')`)).toBeNull();
  });
});

describe('error pages', { timeout: 120_000 }, () => {
  it('shows a not-found page for an unknown console path and for a zone the API does not have', async () => {
    const page = await open('/no-such-page');
    expect(await page.getAttribute('main', 'data-error')).toBe('404');
    await open('/zones/kcn-no-such-zone', page);
    expect(await page.getAttribute('main', 'data-error')).toBe('404');
    expect(await page.locator('main h1').textContent()).toBe('Không tìm thấy');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'error-404');
  });

  it('shows a network page with a retry that works once the API answers again', async () => {
    const page = await cloud.newPage();
    await page.route('**/stats', (route) => route.abort('connectionrefused'));
    await open('/stats', page);
    expect(await page.getAttribute('main', 'data-error')).toBe('network');
    await page.unroute('**/stats');
    await page.click('main button:has-text("Thử lại")');
    await page.waitForSelector('main figure');
    expect(await page.getAttribute('main', 'data-error')).toBeNull();
  });

  it('shows 403, 409 and 429 (with its Retry-After) pages, and sends a 401 to the sign-in page', async () => {
    const page = await cloud.newPage();
    const problem = (status: number, headers: Record<string, string> = {}) =>
      ({
        status,
        headers: { 'content-type': 'application/problem+json', ...headers },
        body: JSON.stringify({ type: 'about:blank', title: 'x', status, detail: `status ${status}` }),
      }) as const;
    for (const [status, headers, title] of [
      [403, {}, 'Không được phép'],
      [409, {}, 'Đã bị thay đổi'],
      [429, { 'retry-after': '7' }, 'Quá nhiều yêu cầu'],
    ] as const) {
      await page.route('**/stats', (route) => route.fulfill(problem(status, headers)));
      await open(`/stats?try=${status}`, page);
      expect(await page.getAttribute('main', 'data-error')).toBe(String(status));
      expect(await page.locator('main h1').textContent()).toBe(title);
      if (status === 429) expect(await page.locator('main').textContent()).toContain('7 giây');
      await page.unroute('**/stats');
    }
    await page.route('**/stats', (route) => route.fulfill(problem(401)));
    await page.goto(`${cloud.url}/#/stats`);
    await page.waitForURL(/#\/sign-in\?next=/);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe('#/sign-in?next=/stats');
  });
});
