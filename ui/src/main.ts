// Entry point: pick the backend (Tauri IPC inside the app window, the fake with sample data in
// a plain browser), create the window state and mount the app.

import "./styles/theme.css";
import "./styles/base.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { inTauri, type Backend } from "./lib/backend";
import { AppState } from "./lib/app-state.svelte";
import { screenFromHash } from "./lib/route";

async function start(): Promise<void> {
  let backend: Backend;
  let autorun = false;
  if (inTauri()) {
    const { createTauriBackend } = await import("./lib/backend-tauri");
    backend = createTauriBackend();
    // A window the shell opened straight on Diagnostics (tray "Run diagnostics") runs them.
    autorun = screenFromHash(location.hash) === "diagnostics";
  } else {
    const { createFakeBackend, fakeFromQuery } = await import("./lib/backend-fake");
    const fake = fakeFromQuery(location.search);
    backend = createFakeBackend(fake.options);
    autorun = fake.autorun;
  }
  const app = new AppState(backend);
  const target = document.getElementById("app");
  if (!target) throw new Error("#app is missing from index.html");
  mount(App, { target, props: { app } });
  await app.init();
  if (autorun) void app.runDiagnosis();
}

void start();
