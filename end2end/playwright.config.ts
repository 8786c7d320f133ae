import { defineConfig } from "@playwright/test";

// Debian's Chromium, started the way this machine allows (no downloads, no sandbox as root).
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export const PORT = Number(process.env.E2E_PORT ?? 3100);
/** A second server, self-hosted, heartbeating to the first (see serve-self-host.sh). */
export const SELF_HOST_PORT = Number(process.env.E2E_SELF_HOST_PORT ?? 3101);

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: chromium,
    trace: "off",
  },
  // Every form must work before (and without) hydration: run everything twice.
  projects: [
    { name: "js-on", use: { javaScriptEnabled: true } },
    { name: "js-off", use: { javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: "bash ./serve.sh",
      url: `http://127.0.0.1:${PORT}/healthz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: { E2E_PORT: String(PORT) },
    },
    {
      command: "bash ./serve-self-host.sh",
      url: `http://127.0.0.1:${SELF_HOST_PORT}/healthz`,
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: { E2E_PORT: String(PORT), E2E_SELF_HOST_PORT: String(SELF_HOST_PORT) },
    },
  ],
});
