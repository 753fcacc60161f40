// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import KnownIssues from "./KnownIssues.svelte";
import { AppState } from "../lib/app-state.svelte";
import { createFakeBackend, type FakeOptions } from "../lib/backend-fake";

const vpn = "IT knows: the VPN is down for 37 people since 09:12, no need to report it; we'll tell you when it's fixed.";

function open(mode: "diagnosis" | "help", opts: FakeOptions = {}) {
  const fake = createFakeBackend(opts);
  render(KnownIssues, { props: { app: new AppState(fake), mode } });
  return fake;
}

describe("Known issues", () => {
  it("shows the known issue that matches the diagnosis", async () => {
    open("diagnosis", {
      knownIssues: {
        matching: vpn,
        issues: [{ id: "incident-1", text: vpn, open: true }],
        enabled: true,
        problem: null,
      },
    });
    await waitFor(() => expect(screen.getByTestId("known-issue").textContent).toContain("the VPN is down for 37 people"));
    expect(screen.queryByTestId("known-issues")).toBeNull();
  });

  it("on Get help also lists announcements and what was fixed", async () => {
    open("help", {
      knownIssues: {
        matching: null,
        issues: [
          { id: "announcement-2", text: "IT says: Printer 3 is being replaced.", open: true },
          { id: "incident-1", text: "Fixed: IT resolved the problem where the VPN is down (since 09:12).", open: false },
        ],
        enabled: true,
        problem: null,
      },
    });
    await waitFor(() => expect(screen.getByTestId("known-issues").textContent).toContain("Printer 3"));
    expect(screen.getByTestId("known-issues").textContent).toContain("Fixed:");
    expect(screen.queryByTestId("known-issue")).toBeNull();
  });

  it("shows nothing without a server or when it cannot be asked", async () => {
    const fake = open("help", { errors: { getKnownIssues: { code: "fleet", message: "offline" } } });
    await waitFor(() => expect(fake.calls).toContain("getKnownIssues"));
    expect(screen.queryByTestId("known-issue")).toBeNull();
    expect(screen.queryByTestId("known-issues")).toBeNull();
  });
});
