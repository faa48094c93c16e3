import { existsSync } from 'node:fs';
import sparticuzChromium from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

/**
 * A headless Chromium for the browser tests, with nothing to install by hand and no root: CHROMIUM_PATH if set,
 * else the binary the @sparticuz/chromium dev dependency ships (brotli-compressed inside the npm package, unpacked
 * once into the temp folder on first use, with the libraries it needs). playwright-core drives it and never
 * downloads a browser of its own.
 */
export async function launchChromium(): Promise<Browser> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured && !existsSync(configured)) {
    throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist: unset it to use the bundled Chromium.`);
  }
  const executablePath = configured ?? (await sparticuzChromium.executablePath());
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox', // tests run as root in CI containers, where Chromium's sandbox cannot start
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-zygote',
    ],
  });
}
