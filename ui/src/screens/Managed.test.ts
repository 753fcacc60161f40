// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Managed from "./Managed.svelte";
import { AppState } from "../lib/app-state.svelte";
import { createFakeBackend, type FakeOptions } from "../lib/backend-fake";

async function open(opts: FakeOptions = {}) {
  const fake = createFakeBackend(opts);
  const app = new AppState(fake);
  render(Managed, { props: { app } });
  return { fake, app };
}

describe("Managed settings", () => {
  it("shows each managed key with value, level, source, lock and what it replaced", async () => {
    await open();
    await waitFor(() => expect(screen.getByTestId("managed-keys")).toBeTruthy());
    const row = screen.getByTestId("managed-key-tickets.redact_personal");
    expect(row.dataset.locked).toBe("true");
    expect(row.textContent).toContain("Mandatory (locked)");
    expect(row.textContent).toContain("/etc/deskside/policies/managed/10-it.toml (line 2)");
    expect(row.textContent).toContain("replaced false from your settings file");
    expect(screen.getByTestId("managed-key-helpdesk.secret").textContent).toContain("<redacted>");
    expect(screen.getByTestId("managed-errors").textContent).toContain("network.dns_timeout_ms");
    expect(screen.getByTestId("managed-sources").textContent).toContain("Recommended");
  });

  it("says when no policy applies, and reloads on demand", async () => {
    const { fake } = await open({ managed: { sources: [], keys: [], errors: [], notes: [] } });
    await waitFor(() => expect(screen.getByTestId("managed-none")).toBeTruthy());
    expect(screen.queryByTestId("managed-keys")).toBeNull();
    await fireEvent.click(screen.getByTestId("managed-reload"));
    await waitFor(() => expect(fake.calls.filter((c) => c === "getManagedSettings").length).toBe(2));
  });

  it("loads again when the shell reports new app info (a policy change)", async () => {
    const { fake, app } = await open();
    await waitFor(() => expect(screen.getByTestId("managed-keys")).toBeTruthy());
    // The first app info (start-up) is not a change; a later one is.
    app.appInfo = { ...(await fake.getAppInfo()) };
    await Promise.resolve();
    const before = fake.calls.filter((c) => c === "getManagedSettings").length;
    expect(before).toBe(1);
    app.appInfo = { ...(await fake.getAppInfo()), organization: "Globex" };
    await waitFor(() => expect(fake.calls.filter((c) => c === "getManagedSettings").length).toBe(before + 1));
  });

  it("shows the error when the configuration cannot be loaded", async () => {
    await open({ errors: { getManagedSettings: { code: "config.syntax", message: "Your settings file has a typo." } } });
    await waitFor(() => expect(screen.getByTestId("managed-error").textContent).toContain("typo"));
  });
});
