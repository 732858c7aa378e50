/**
 * Browser-test harness: serves the built app (web/dist) with Vite's preview server and drives Debian's
 * Chromium through playwright-core. Playwright's own browser downloads are never used.
 */
import { after, before } from 'node:test';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/web-test/). */
export const ROOT = resolve(here, '..', '..');
export const ARTIFACTS = join(ROOT, 'web', 'test-artifacts');
export const CHROMIUM = process.env.LGM_CHROMIUM ?? '/usr/bin/chromium';

// The network is closed: without these flags Chromium keeps trying (and failing) to reach Google services.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Session {
  browser: Browser;
  server: PreviewServer;
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts the preview server on a free port and the browser (with a fresh profile from Playwright). */
export async function startSession(): Promise<Session> {
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) {
    throw new Error('browser tests: web/dist/index.html is missing: run `npm run web:build` first');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests: ${CHROMIUM} is missing: run .ci/install-browser.sh (apt-get install chromium)`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await preview({
    configFile: join(ROOT, 'web', 'vite.config.ts'),
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
    logLevel: 'warn',
  });
  const address = server.httpServer.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${address.port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    browser,
    server,
    baseUrl,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Page errors and console errors, collected so that a test can assert there were none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A hash-like fingerprint of a canvas's pixels (its PNG data URL), to tell whether it was redrawn. */
export async function canvasPixels(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (canvas) => (canvas as HTMLCanvasElement).toDataURL());
}

/** Opens the app at `query` in a new page and waits until the untrained network is evaluated. */
export async function openApp(
  session: Session,
  query: string,
  options: { acceptDownloads?: boolean } = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 1000 }, ...options });
  const errors = collectErrors(page);
  await page.goto(session.baseUrl + query);
  await page.waitForSelector('#val-acc[data-batches="0"]', { timeout: 120_000 });
  return { page, errors };
}

/** What `appSession` opens: the browser, the page and the page's errors. */
export interface AppSession {
  session: Session;
  page: Page;
  errors: string[];
}

/**
 * Opens the app at `query` before the tests of the enclosing describe block and closes the browser after them.
 * A before hook fills the returned object in: read its fields inside the tests.
 */
export function appSession(query: string, options: { acceptDownloads?: boolean } = {}): AppSession {
  const app = {} as AppSession;
  before(async () => {
    app.session = await startSession();
    Object.assign(app, await openApp(app.session, query, options));
  });
  after(async () => {
    await app.session?.close();
  });
  return app;
}
