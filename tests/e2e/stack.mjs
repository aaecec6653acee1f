// What the browser tests share: Debian's Chromium as playwright-core
// launches it, and tools/dev-stack of the stack tests/integration/run
// started (OTS_TEST_DEVSTACK).
import { execFileSync } from 'node:child_process';

export const CHROMIUM_PATH = process.env.CHROMIUM || '/usr/bin/chromium';

// Headless and quiet: no sandbox (root, no user namespaces here), no
// GPU, no QUIC, nothing fetched in the background.
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export function launchOptions() {
  return { executablePath: CHROMIUM_PATH, args: ['--headless', ...CHROMIUM_ARGS] };
}

export function devstack(args, env = {}) {
  execFileSync(process.env.OTS_TEST_DEVSTACK, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
}
