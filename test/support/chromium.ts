// Headless Chromium for browser tests: Debian's `chromium` driven by playwright-core (which downloads no
// browser of its own). Missing, it fails with how to install it rather than skipping: CI installs it
// (.ci/run), so a skip would hide a dashboard that was never tested.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** $CHROMIUM_PATH, else `chromium` on PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  const configured = process.env['CHROMIUM_PATH'];
  if (configured) return configured;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // not on PATH
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new Error(
    "no chromium for the browser test: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH",
  );
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
