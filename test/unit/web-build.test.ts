/**
 * The console's build: the first-load JavaScript stays within its budget (150 KiB gzipped), every
 * asset name is content-hashed, and the demo users exist only in the local build.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../web/build.ts';

/** The budget of the issue: JavaScript fetched on first load, gzipped. */
const FIRST_LOAD_JS_BUDGET = 150 * 1024;

describe('the console build', () => {
  const root = mkdtempSync(join(tmpdir(), 'web-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const local = buildConsole({ outDir: join(root, 'local'), mode: 'local' });
  const aws = buildConsole({ outDir: join(root, 'aws'), mode: 'aws' });

  it(`loads at most ${FIRST_LOAD_JS_BUDGET / 1024} KiB of JavaScript, gzipped, on first load`, () => {
    for (const build of [local, aws]) {
      const js = build.firstLoad.filter((f) => f.endsWith('.js'));
      expect(js.length).toBeGreaterThan(0);
      const gzipped = js.reduce(
        (sum, f) => sum + gzipSync(readFileSync(join(build.outDir, f)), { level: 9 }).length,
        0,
      );
      console.log(
        `console first-load JS (${build === local ? 'local' : 'aws'}): ${(gzipped / 1024).toFixed(1)} KiB gzipped`,
      );
      expect(gzipped).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
    }
  });

  it('names every asset by its content hash and links the first-load files from index.html', () => {
    const html = readFileSync(join(local.outDir, 'index.html'), 'utf8');
    for (const f of local.files.filter((f) => f.startsWith('assets/'))) {
      expect(f).toMatch(/^assets\/[a-z]+-[A-Z0-9]{8}\.(js|css)$/);
      expect(statSync(join(local.outDir, f)).size).toBeGreaterThan(0);
    }
    for (const f of local.firstLoad) expect(html).toContain(`./${f}`);
    expect(html).toContain('<html lang="vi">');
    expect(html).not.toMatch(/<script>(?!<)/);
  });

  it('lists the demo users only in the local build', () => {
    const text = (b: typeof local) =>
      b.files
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(join(b.outDir, f), 'utf8'))
        .join('\n');
    const [inLocal, inAws] = [text(local), text(aws)];
    expect(inLocal.includes('/auth/demo-users'), 'local build lists demo users').toBe(true);
    expect(inAws.includes('/auth/demo-users'), 'AWS build must not list demo users').toBe(false);
    expect(inAws.includes('/auth/token'), 'AWS build must not call the local issuer').toBe(false);
    expect(inAws.includes('/oauth2/authorize'), 'AWS build signs in with Cognito managed login').toBe(true);
    expect(inAws.includes('cognito-idp'), 'AWS build never calls Cognito’s API with a password').toBe(false);
    expect(inAws.includes('sign-in-password'), 'AWS build has no password field').toBe(false);
  });
});
