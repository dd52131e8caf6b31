import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Separate from vite.config.ts: vite's `root: "ui"` must not apply to the test run.
export default defineConfig({
  plugins: [react()],
  test: {
    include: ["ui/src/**/*.test.{ts,tsx}"],
    environment: "jsdom",
    setupFiles: ["ui/src/test/setup.ts"],
    restoreMocks: true,
    env: { TZ: "UTC" },
    testTimeout: 15000,
  },
});
