import { defineConfig } from "@playwright/test";

// The lead's `make e2e` (scripts/e2e.py) starts the API, a worker and the built SPA on a fresh
// database with the demo organisation, and passes its URL here.
const baseURL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  // Generous for a slow 2-core machine, where Chromium, the API, a worker and PostgreSQL share
  // the cores with a second test: the account list that renders in 1 s elsewhere took 10-25 s
  // there.
  timeout: 90_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // One test at a time: on two slow cores a second browser starved the first of CPU.
  workers: 1,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    // Playwright's own browser download cannot work here: Debian's Chromium instead.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    // Against the second Tenure scripts/e2e.py starts, on an empty database.
    {
      name: "first-run",
      testMatch: /first-run\.spec\.ts/,
      use: { baseURL: process.env.E2E_FIRST_RUN_URL ?? "http://127.0.0.1:8100" },
    },
    { name: "setup", testMatch: /global\.setup\.ts/ },
    { name: "chromium", testMatch: /.*\.spec\.ts/, testIgnore: /first-run\.spec\.ts|(account-(workspace|import|bulk|financials|assignment|metrics|usage|activity)|health|alerts|alert-tasks|task-views)\.spec\.ts/, dependencies: ["setup"] },
    // Creates, edits and churns accounts: after the specs that count the demo organisation's accounts.
    { name: "workspace", testMatch: /(account-(workspace|import|bulk|financials|assignment|metrics|usage|activity)|health|alerts|alert-tasks|task-views)\.spec\.ts/, dependencies: ["chromium"] },
  ],
});
