/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The UI ships inside the Tauri binary: no network assets, a fixed dev port for `tauri dev`.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2021", chunkSizeWarningLimit: 2500 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    // antd forms in jsdom take seconds on a loaded 2-core machine; the bound catches hangs, not speed.
    testTimeout: 60000,
  },
});
