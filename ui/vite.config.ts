/// <reference types="vitest/config" />
// Build for the Tauri window: relative asset URLs, one bundled CSS file and no inline
// script or style, so the app runs under a strict CSP (`script-src 'self'; style-src 'self'`).
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  base: "./",
  clearScreen: false,
  server: {
    host: "127.0.0.1",
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: ["es2021", "chrome105", "safari15"],
    // One stylesheet linked from index.html; nothing injected at run time.
    cssCodeSplit: false,
    // Never turn small assets into data: URLs inside CSS/JS (keeps img-src/font-src tight).
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    // Pure modules run in Node; component tests opt into jsdom with a file comment.
    environment: "node",
    include: ["src/**/*.test.ts"],
    restoreMocks: true,
  },
});
