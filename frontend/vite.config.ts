import react from "@vitejs/plugin-react";
import { searchForWorkspaceRoot } from "vite";
import { defineConfig } from "vitest/config";

// The API (uvicorn) listens on 8000 in development; the SPA is served same-origin in production,
// so the dev server proxies /api to keep cookies and URLs identical.
const apiTarget = process.env.TENURE_API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    // The rich-text allowlist is the server's file (domain/interactions), read by both sides.
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), "../domain/interactions/richtext_allowlist.json"] },
    proxy: {
      "/api": { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    restoreMocks: true,
    // Renders wait on a busy machine; a test that hangs still fails.
    testTimeout: 20_000,
  },
});
