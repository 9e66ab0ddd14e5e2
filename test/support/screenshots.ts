// Screenshots of the web app's main pages at desktop and phone widths, for the README. The
// browser tests take them as they pass each page; `npm run screenshots` writes them to
// docs/screenshots/ (other runs only check that each page can be captured).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

const DIR = path.resolve(__dirname, '../../docs/screenshots');
const WRITE = process.env.UPDATE_SCREENSHOTS === '1';
const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

export async function screenshot(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    const png = await page.screenshot({ fullPage: true, animations: 'disabled' });
    if (WRITE) {
      fs.mkdirSync(DIR, { recursive: true });
      fs.writeFileSync(path.join(DIR, `${name}-${size}.png`), png);
    }
  }
  if (before) await page.setViewportSize(before);
}
