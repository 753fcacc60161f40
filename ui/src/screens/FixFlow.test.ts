// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { AppState } from "../lib/app-state.svelte";
import { createFakeBackend, type FakeOptions } from "../lib/backend-fake";

afterEach(() => {
  location.hash = "";
});

async function diagnosed(opts: FakeOptions = {}) {
  const fake = createFakeBackend(opts);
  const app = new AppState(fake);
  render(App, { props: { app } });
  await app.init();
  app.navigate("diagnostics");
  await app.runDiagnosis();
  await waitFor(() => expect(screen.getByTestId("root-cause").dataset.check).toBe("net.dns"));
  return { fake, app };
}

const byId = (id: string) => screen.getByTestId(id);

describe("Fix it", () => {
  it("sits beside the failing finding and on the root cause, not beside passing checks", async () => {
    await diagnosed();
    const button = byId("fix-it-net.dns");
    expect(button.dataset.fix).toBe("net.flush_dns");
    expect(byId("root-cause-fix").dataset.fix).toBe("net.flush_dns");
    // IT's action for the same check is offered too.
    expect(byId("action-action.dns_repair-net.dns").textContent).toContain("Company DNS repair");
    expect(screen.queryByTestId("fix-it-disk.space")).toBeNull();
  });

  it("previews, applies with live progress, and shows the passing re-test", async () => {
    const { fake } = await diagnosed();
    await fireEvent.click(byId("fix-it-net.dns"));
    const dialog = await screen.findByRole("dialog", { name: "Clear the name-lookup cache" });
    await waitFor(() => expect(dialog.dataset.phase).toBe("confirm"));
    expect(byId("fix-preview").textContent).toContain("Clears the name-lookup cache");
    expect(screen.queryByTestId("fix-elevation")).toBeNull();
    expect(document.activeElement).toBe(byId("fix-confirm"));
    await fireEvent.click(byId("fix-confirm"));
    await waitFor(() => expect(dialog.dataset.phase).toBe("done"));
    expect(byId("fix-outcome").dataset.outcome).toBe("fixed");
    expect(byId("fix-verify-net.dns").dataset.status).toBe("pass");
    expect(byId("fix-steps").textContent).toContain("kill -HUP 812");
    expect(screen.queryByTestId("fix-get-help")).toBeNull();
    expect(fake.calls).toEqual(expect.arrayContaining(["previewFix", "applyFix"]));
    await fireEvent.click(byId("fix-close"));
    expect(screen.queryByRole("dialog")).toBeNull();
    // The checks run again, so the screen no longer shows the problem just fixed.
    expect(fake.calls.filter((c) => c === "runDiagnosis")).toHaveLength(2);
  });

  it("says when a fix needs administrator approval, and Escape cancels", async () => {
    const { fake } = await diagnosed();
    await fireEvent.click(byId("action-action.dns_repair-net.dns"));
    const dialog = await screen.findByRole("dialog");
    await waitFor(() => expect(dialog.dataset.phase).toBe("confirm"));
    expect(byId("fix-elevation").textContent).toContain("administrator approval");
    expect(byId("fix-confirm").textContent).toContain("Approve and fix");
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(fake.calls).not.toContain("applyFix");
  });

  it("when still broken, Get help opens prefilled with the before/after", async () => {
    const { fake } = await diagnosed({ fixOutcome: "not_fixed" });
    await fireEvent.click(byId("fix-it-net.dns"));
    await waitFor(() => expect(byId("fix-dialog").dataset.phase).toBe("confirm"));
    await fireEvent.click(byId("fix-confirm"));
    await waitFor(() => expect(byId("fix-outcome").dataset.outcome).toBe("not_fixed"));
    expect(byId("fix-verify-net.dns").dataset.status).toBe("fail");
    await fireEvent.click(byId("fix-get-help"));
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Get help"));
    await waitFor(() => expect((byId("ticket-subject") as HTMLInputElement).value).toContain("Still broken after"));
    expect((byId("ticket-description") as HTMLTextAreaElement).value).toContain("Re-test after the fix");
    expect(byId("ticket-from-fix")).toBeTruthy();
    await fireEvent.click(byId("ticket-preview-button"));
    await waitFor(() => expect(byId("ticket-preview")).toBeTruthy());
    const draft = fake.drafts.at(-1)!;
    // The evidence crosses IPC as plain JSON: compare its shape.
    expect(draft.fix_results).toMatchObject([{ id: "net.flush_dns", outcome: "not_fixed" }]);
    expect(draft.report).toMatchObject({ diagnosis: { root_cause: "net.dns" } });
    expect(byId("ticket-preview-body").textContent).toContain("Fixes tried: net.flush_dns (not_fixed)");
  });

  it("shows why a fix could not even be previewed", async () => {
    await diagnosed({ errors: { previewFix: { code: "fix.not_applicable", message: "There is nothing to clear." } } });
    await fireEvent.click(byId("fix-it-net.dns"));
    await waitFor(() => expect(byId("fix-error").textContent).toContain("There is nothing to clear."));
    expect(byId("fix-get-help")).toBeTruthy();
  });
});
