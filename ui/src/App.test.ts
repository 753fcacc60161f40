// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { AppState } from "./lib/app-state.svelte";
import { createFakeBackend } from "./lib/backend-fake";
import { sampleAppInfo } from "./lib/sample-data";

afterEach(() => {
  location.hash = "";
});

async function start(opts: Parameters<typeof createFakeBackend>[0] = {}) {
  const fake = createFakeBackend(opts);
  const app = new AppState(fake);
  render(App, { props: { app } });
  await app.init();
  return { fake, app };
}

describe("App", () => {
  it("has landmarks, the nav test hooks and the branded title", async () => {
    await start();
    expect(screen.getByRole("banner")).toBeTruthy();
    expect(screen.getByRole("navigation", { name: "Main" })).toBeTruthy();
    expect(screen.getByRole("main")).toBeTruthy();
    for (const id of ["home", "diagnostics", "device", "help", "about"]) {
      expect(screen.getByTestId(`nav-${id}`).getAttribute("href")).toBe(`#/${id}`);
    }
    await waitFor(() => expect(screen.getByTestId("app-title").textContent).toBe("Acme IT help"));
    expect(document.title).toBe("Acme IT help");
    expect(screen.getByTestId("nav-home").getAttribute("aria-current")).toBe("page");
  });

  it("applies the accent with readable text on it", async () => {
    await start({ appInfo: { ...sampleAppInfo(), organization: null, product_name: "Deskside", accent_color: "#ffcc00" } });
    await waitFor(() => expect(document.documentElement.style.getPropertyValue("--accent")).toBe("#ffcc00"));
    expect(document.documentElement.style.getPropertyValue("--on-accent")).toBe("#000000");
    expect(screen.getByTestId("app-title").textContent).toBe("Deskside");
  });

  it("follows the hash and the tray's Navigate event", async () => {
    const { fake } = await start();
    location.hash = "#/about";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("About and settings"));
    expect(screen.getByTestId("nav-about").getAttribute("aria-current")).toBe("page");
    fake.navigate("device");
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("This device"));
    expect(location.hash).toBe("#/device");
  });

  it("starts a run when the tray sends the window to Diagnostics", async () => {
    const { fake, app } = await start();
    fake.navigate("diagnostics");
    await waitFor(() => expect(app.route).toBe("diagnostics"));
    await waitFor(() => expect(screen.getByTestId("root-cause").dataset.check).toBe("net.dns"), { timeout: 5000 });
  });

  it("runs diagnostics from Home and announces the result", async () => {
    const { app } = await start();
    expect(screen.getByTestId("home-root-cause").dataset.check).toBe("net.dns");
    await fireEvent.click(screen.getByTestId("run-diagnostics"));
    // 19 events through real timers and a full re-render each: give jsdom time.
    await waitFor(() => expect(screen.getByTestId("root-cause").dataset.check).toBe("net.dns"), { timeout: 5000 });
    expect(app.route).toBe("diagnostics");
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toContain("Diagnostics finished."));
  });

  it("updates the header when the shell reports new health", async () => {
    const { fake } = await start();
    expect(screen.getByTestId("header-health").dataset.status).toBe("broken");
    fake.emitHealth({ status: "healthy", headline: "Everything is working.", root_cause: null, checked_at: new Date().toISOString() });
    await waitFor(() => expect(screen.getByTestId("header-health").dataset.status).toBe("healthy"));
  });
});
