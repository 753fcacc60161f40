// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Password from "./Password.svelte";
import { AppState } from "../lib/app-state.svelte";
import { createFakeBackend, type FakeOptions } from "../lib/backend-fake";
import { samplePasswordStatus } from "../lib/sample-data";

const byId = (id: string) => screen.getByTestId(id);

async function open(opts: FakeOptions = {}) {
  const fake = createFakeBackend(opts);
  const app = new AppState(fake);
  await app.init();
  render(Password, { props: { app } });
  return { fake, app };
}

async function type(id: string, value: string) {
  await fireEvent.input(byId(id), { target: { value } });
}

describe("Password screen", () => {
  it("shows when the password expires", async () => {
    await open();
    expect(byId("password-status").dataset.state).toBe("warning");
    expect(byId("password-status").textContent).toContain("Your password expires in 5 days.");
  });

  it("checks the new password live in Rust (debounced) and enables Change only when all pass", async () => {
    const { fake } = await open();
    await type("password-current", "Old-password-1");
    await type("password-new", "a");
    await type("password-new", "al");
    await type("password-new", "alex2024");
    await waitFor(() => expect(byId("pw-check-length").dataset.ok).toBe("false"));
    // Three keystrokes, one check: the debounce collapsed them.
    expect(fake.calls.filter((c) => c === "checkNewPassword")).toHaveLength(1);
    expect(byId("pw-check-account_name").dataset.ok).toBe("false");
    expect((byId("password-submit") as HTMLButtonElement).disabled).toBe(true);

    await type("password-new", "Correct-Horse-Battery-9");
    await type("password-confirm", "Correct-Horse-Battery-9");
    await waitFor(() => expect(byId("password-checklist").dataset.acceptable).toBe("true"));
    expect(Number(byId("password-strength").getAttribute("aria-valuenow"))).toBeGreaterThanOrEqual(3);
    await waitFor(() => expect((byId("password-submit") as HTMLButtonElement).disabled).toBe(false));
  });

  it("maps a refusal to plain text", async () => {
    await open();
    await type("password-current", "wrong");
    await type("password-new", "Correct-Horse-Battery-9");
    await type("password-confirm", "Correct-Horse-Battery-9");
    await waitFor(() => expect((byId("password-submit") as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(byId("password-submit"));
    await waitFor(() => expect(byId("password-error").textContent).toContain("The current password is not right"));
  });

  it("says what blocks a change before anything is sent", async () => {
    const { fake } = await open();
    fake.passwordPreflight = async () => ({ ok: false, items: [{ id: "vpn", ok: false, message: "Connect to the VPN first: the directory is only reachable through it." }] });
    await fireEvent.focusIn(byId("password-current"));
    await waitFor(() => expect(byId("preflight-vpn").textContent).toContain("Connect to the VPN first"));
    await type("password-current", "Old-password-1");
    await type("password-new", "Correct-Horse-Battery-9");
    await type("password-confirm", "Correct-Horse-Battery-9");
    await waitFor(() => expect(byId("password-checklist").dataset.acceptable).toBe("true"));
    expect((byId("password-submit") as HTMLButtonElement).disabled).toBe(true);
    expect(fake.calls).not.toContain("changePassword");
  });

  it("confirms success and lists the saved passwords to update", async () => {
    const { app } = await open();
    await type("password-current", "Old-password-1");
    await type("password-new", "Correct-Horse-Battery-9");
    await type("password-confirm", "Correct-Horse-Battery-9");
    await waitFor(() => expect((byId("password-submit") as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(byId("password-submit"));
    await waitFor(() => expect(byId("password-success")).toBeTruthy());
    expect(byId("password-to-update").textContent).toContain("Office Wi-Fi (802.1X)");
    expect(app.password?.state).toBe("ok");
  });

  it("forgot / locked out: opens IT's reset page, or starts a prefilled ticket", async () => {
    const { fake, app } = await open();
    await fireEvent.click(byId("password-reset-link"));
    expect(fake.opened).toEqual(["reset"]);
    expect(screen.queryByTestId("password-unlock-link")).toBeTruthy();
    await fireEvent.click(byId("password-locked-ticket"));
    expect(app.route).toBe("help");
    expect(app.helpPrefill?.subject).toBe("I'm locked out of my account");
    expect(app.helpPrefill?.description).toContain("account alex");
  });

  it("asks for the password once when Deskside has no saved sign-in to read the expiry", async () => {
    const { fake } = await open({
      password: { ...samplePasswordStatus(), state: "unknown", days_left: null, problem: "credential_needed", message: "Deskside needs your password once to read when it expires." },
    });
    expect(byId("password-status").textContent).toContain("needs your password once");
    await type("password-remember-input", "wrong");
    await fireEvent.submit(byId("password-remember"));
    await waitFor(() => expect(byId("password-remember").textContent).toContain("The current password is not right"));
    await type("password-remember-input", "Correct-1");
    await fireEvent.submit(byId("password-remember"));
    await waitFor(() => expect(byId("password-status").dataset.state).toBe("warning"));
    expect(screen.queryByTestId("password-remember")).toBeNull();
    expect(fake.calls.filter((c) => c === "rememberPassword")).toHaveLength(2);
  });

  it("without a configured source, explains and offers only help", async () => {
    await open({ password: { ...samplePasswordStatus(), configured: false, links: { change: false, reset: false, unlock: false, self_service: false } } });
    expect(byId("password-status").textContent).toContain("not set up");
    expect(screen.queryByTestId("password-form")).toBeNull();
    expect(byId("password-locked-ticket")).toBeTruthy();
  });

  it("manual source: one button to IT's change page instead of the change form", async () => {
    const { fake } = await open({
      password: { ...samplePasswordStatus(), source: "manual", state: "unknown", days_left: null, expires_at: null, links: { change: true, reset: true, unlock: false, self_service: false } },
    });
    expect(screen.queryByTestId("password-form")).toBeNull();
    expect(screen.queryByTestId("password-current")).toBeNull();
    expect(byId("password-change-link").textContent).toContain("Change your password on the web");
    await fireEvent.click(byId("password-change-link"));
    expect(fake.opened).toEqual(["change"]);
    // Reset by URL only: the configured page, no unlock button without its URL.
    expect(byId("password-reset-link")).toBeTruthy();
    expect(screen.queryByTestId("password-unlock-link")).toBeNull();
  });

  it("manual source without a change page: no form, says to ask IT", async () => {
    await open({ password: { ...samplePasswordStatus(), source: "manual", links: { change: false, reset: false, unlock: false, self_service: false } } });
    expect(screen.queryByTestId("password-form")).toBeNull();
    expect(screen.queryByTestId("password-change-link")).toBeNull();
    expect(byId("password-web").textContent).toContain("Ask IT how to change it");
  });

  it("a source Deskside changes itself keeps the form and shows no web button", async () => {
    await open({ password: { ...samplePasswordStatus(), source: "kerberos", links: { change: true, reset: false, unlock: false, self_service: false } } });
    expect(byId("password-form")).toBeTruthy();
    expect(screen.queryByTestId("password-change-link")).toBeNull();
  });

  it("not set up but IT has a change page: the web button only", async () => {
    await open({ password: { ...samplePasswordStatus(), configured: false, source: null, links: { change: true, reset: false, unlock: false, self_service: false } } });
    expect(screen.queryByTestId("password-form")).toBeNull();
    expect(byId("password-change-link")).toBeTruthy();
  });

  const withServer = () => ({ password: { ...samplePasswordStatus(), links: { change: false, reset: true, unlock: true, self_service: true } } });

  it("forgot password with a server: user name → mailed code → new password with the checklist → saved passwords to update", async () => {
    const { fake } = await open(withServer());
    // The server's flow replaces IT's reset/unlock pages.
    expect(screen.queryByTestId("password-reset-link")).toBeNull();
    expect(screen.queryByTestId("password-unlock-link")).toBeNull();
    await fireEvent.click(byId("password-reset-start"));
    expect((byId("reset-user") as HTMLInputElement).value).toBe("alex");
    await fireEvent.click(byId("reset-start"));
    await waitFor(() => expect(byId("reset-message").textContent).toContain("a code was mailed"));
    await type("reset-code", "00000000");
    await fireEvent.click(byId("reset-code-submit"));
    await waitFor(() => expect(byId("reset-error").textContent).toContain("That code is not right"));
    await type("reset-code", "12345678");
    await fireEvent.click(byId("reset-code-submit"));
    await waitFor(() => expect(byId("reset-dialog").dataset.step).toBe("finish"));
    expect((byId("reset-finish") as HTMLButtonElement).disabled).toBe(true);
    await type("reset-new", "Correct-Horse-Battery-9");
    await type("reset-confirm", "Correct-Horse-Battery-9");
    await waitFor(() => expect(byId("reset-checklist").dataset.acceptable).toBe("true"));
    await fireEvent.click(byId("reset-finish"));
    await waitFor(() => expect(byId("reset-done").textContent).toContain("Your password was reset."));
    expect(byId("reset-to-update").textContent).toContain("Office Wi-Fi (802.1X)");
    expect(fake.calls.filter((c) => c === "resetComplete")).toHaveLength(1);
    await fireEvent.click(byId("reset-close"));
    expect(screen.queryByTestId("reset-dialog")).toBeNull();
  });

  it("account locked with a server: code → one unlock button → done, no password asked", async () => {
    const { fake } = await open(withServer());
    await fireEvent.click(byId("password-unlock-start"));
    await fireEvent.click(byId("reset-start"));
    await waitFor(() => expect(byId("reset-code")).toBeTruthy());
    await type("reset-code", "12345678");
    await fireEvent.click(byId("reset-code-submit"));
    await waitFor(() => expect(byId("reset-finish").textContent).toContain("Unlock my account"));
    expect(screen.queryByTestId("reset-new")).toBeNull();
    await fireEvent.click(byId("reset-finish"));
    await waitFor(() => expect(byId("reset-done").textContent).toContain("Your account is unlocked."));
    expect(screen.queryByTestId("reset-to-update")).toBeNull();
    expect(fake.calls).toContain("resetStart");
  });

  it("without a server, no reset dialog: IT's pages or nothing", async () => {
    await open({ password: { ...samplePasswordStatus(), links: { change: false, reset: false, unlock: false, self_service: false } } });
    expect(screen.queryByTestId("password-reset-start")).toBeNull();
    expect(screen.queryByTestId("password-reset-link")).toBeNull();
    expect(screen.queryByTestId("password-unlock-link")).toBeNull();
    expect(byId("password-locked-ticket")).toBeTruthy();
  });
});
