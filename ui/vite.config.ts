/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build lands inside the Python package, which serves it at /ui (src/lanner/api/ui.py).
const outDir = fileURLToPath(new URL("../src/lanner/api/ui_dist", import.meta.url));
const api = process.env.LANNER_API_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/ui/",
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    sourcemap: false,
  },
  server: {
    proxy: { "/api": api, "/health": api },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
