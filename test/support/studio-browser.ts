import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (installed by `.ci/run`); `ORCHARD_CHROMIUM` points elsewhere. */
export const CHROMIUM = process.env.ORCHARD_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium as the browser suites run it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A new browser context on the server's studio, signed in with the admin's API token. */
export async function signedInPage(
  browser: Browser,
  server: { url: string; adminToken: string },
  options: { width?: number; height?: number; timeoutMs?: number } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 }, baseURL: server.url });
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeoutMs ?? 20_000);
  await page.goto('/');
  await page.getByRole('button', { name: 'API token' }).click();
  await page.getByLabel('API token').fill(server.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signed in once the shell has taken the session and sent '/' on to the home page: a
  // test that navigates before then races the sign-in (a page.goto aborts its request)
  // or the redirect (which would replace the page the test went to).
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.waitForURL((url) => url.pathname !== '/');
  await page.locator('main h1').waitFor();
  return { context, page };
}
