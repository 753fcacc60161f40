// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Help from "./Help.svelte";
import { AppState } from "../lib/app-state.svelte";
import { createFakeBackend, FAKE_SCREENSHOT_PNG, type FakeOptions } from "../lib/backend-fake";
import { sampleTicketOptions } from "../lib/sample-data";

const byId = (id: string) => screen.getByTestId(id);

async function open(opts: FakeOptions = {}) {
  const fake = createFakeBackend(opts);
  const app = new AppState(fake);
  await app.init();
  render(Help, { props: { app } });
  await waitFor(() => expect(byId("ticket-form")).toBeTruthy());
  return { fake, app };
}

async function fill(subject: string, description: string) {
  await fireEvent.input(byId("ticket-subject"), { target: { value: subject } });
  await fireEvent.input(byId("ticket-description"), { target: { value: description } });
}

describe("Get help", () => {
  it("shows IT's contact block and support links from the branding", async () => {
    await open();
    const block = byId("help-contact");
    expect(block.textContent).toContain("+1 555 0100");
    expect(byId("contact-email").getAttribute("href")).toBe("mailto:it@acme.example");
    expect(byId("contact-hours").textContent).toContain("Mon–Fri");
    const link = screen.getByText("Known issues") as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("https://status.acme.example/");
    expect(link.getAttribute("rel")).toContain("noopener");
  });

  it("shows no contact block when IT configured none", async () => {
    const { sampleAppInfo } = await import("../lib/sample-data");
    await open({ appInfo: { ...sampleAppInfo(), contact: null, support_links: [] } });
    expect(screen.queryByTestId("help-contact")).toBeNull();
  });

  it("asks for what is missing before previewing", async () => {
    const { fake } = await open();
    await fireEvent.click(byId("ticket-preview-button"));
    expect(screen.getByText(/Write a short subject/)).toBeTruthy();
    expect(byId("ticket-subject").getAttribute("aria-invalid")).toBe("true");
    expect(fake.calls).not.toContain("previewTicket");
  });

  it("shows forbidden parts switched off with the reason", async () => {
    const options = sampleTicketOptions();
    options.parts[4] = { part: "screenshot", allowed: false, reason: "Screenshots are never accepted here." };
    await open({ ticketOptions: options });
    const part = byId("ticket-part-screenshot");
    expect(part.dataset.allowed).toBe("false");
    expect((part.querySelector("input") as HTMLInputElement).disabled).toBe(true);
    expect(part.textContent).toContain("Not allowed: Screenshots are never accepted here.");
    expect((byId("ticket-part-device").querySelector("input") as HTMLInputElement).checked).toBe(true);
  });

  it("lists each hidden value without the value, and undoing one sends it as typed", async () => {
    const { fake } = await open();
    await fill("VPN", "My VPN password is Hunter2 and the PIN pad is broken");
    await fireEvent.click(byId("ticket-preview-button"));
    await waitFor(() => expect(byId("ticket-preview-hidden")).toBeTruthy());
    const item = screen.getAllByTestId("ticket-hidden-item")[0]!;
    expect(item.dataset.id).toBe("description:1");
    expect(item.textContent).toContain("My VPN password is");
    expect(item.textContent).toContain("a password, hidden");
    expect(byId("ticket-preview").textContent).not.toContain("Hunter2");
    expect(byId("ticket-preview-hidden-count").textContent).toBe("Deskside hid 1 password, key or personal detail it found.");

    await fireEvent.click(item.querySelector("[data-testid=ticket-reveal]")!);
    await waitFor(() => expect(screen.getAllByTestId("ticket-hidden-item")[0]!.dataset.revealed).toBe("true"));
    expect(fake.drafts.at(-1)!.reveal).toEqual(["description:1"]);
    expect(byId("ticket-preview-body").textContent).toContain("password is Hunter2");
    expect(byId("ticket-preview-hidden-count").textContent).toContain("Nothing is hidden");

    // Editing the text hides everything again: ids are positions in the text.
    await fireEvent.click(byId("ticket-edit"));
    await fireEvent.input(byId("ticket-description"), { target: { value: "My VPN password is Hunter2 and more" } });
    await fireEvent.click(byId("ticket-preview-button"));
    await waitFor(() => expect(byId("ticket-preview")).toBeTruthy());
    expect(fake.drafts.at(-1)!.reveal).toEqual([]);
    expect(byId("ticket-preview").textContent).not.toContain("Hunter2");
  });

  it("previews exactly what is sent (after redaction), then submits and follows delivery live", async () => {
    const { fake } = await open();
    await fill("VPN does not connect", "Since this morning. My password=hunter2 did not help.");
    await fireEvent.click(byId("ticket-part-logs").querySelector("input")!);
    await fireEvent.click(byId("ticket-preview-button"));
    await waitFor(() => expect(byId("ticket-preview")).toBeTruthy());
    expect(byId("ticket-preview-body").textContent).toContain("password=[redacted]");
    expect(byId("ticket-preview-body").textContent).not.toContain("hunter2");
    expect(byId("ticket-preview").textContent).toContain("Deskside hid 1 password");
    expect(byId("ticket-preview-attachments").textContent).toContain("deskside-bundle.json");
    expect(byId("ticket-preview-attachments").textContent).not.toContain("deskside.log");
    expect(fake.drafts[0]!.parts.logs).toBe(false);

    await fireEvent.click(byId("ticket-submit"));
    await waitFor(() => expect(byId("outbox-1").dataset.state).toBe("delivered"));
    expect(byId("outbox-1").dataset.remote).toBe("1042");
    expect(byId("outbox-1").textContent).toContain("Ticket #1042");
    expect(byId("outbox-link-1").getAttribute("href")).toContain("id=1042");
    // The form is fresh again for the next request.
    expect((byId("ticket-subject") as HTMLInputElement).value).toBe("");
  });

  it("takes a screenshot, shows it, and attaches it only once the user consents", async () => {
    const { fake } = await open();
    await fill("Teams crashes", "The window goes white.");
    await fireEvent.click(byId("ticket-part-screenshot").querySelector("input")!);
    await fireEvent.click(byId("ticket-screenshot-take"));
    await waitFor(() => expect(byId("ticket-screenshot-image")).toBeTruthy());
    expect(fake.calls).toContain("captureScreen");
    expect(byId("ticket-screenshot-image").getAttribute("src")).toBe(`data:image/png;base64,${FAKE_SCREENSHOT_PNG}`);
    expect(byId("ticket-screenshot-name").textContent).toContain("Your screen, 1 × 1");
    await fireEvent.click(byId("ticket-preview-button"));
    expect(screen.getByText(/Confirm that the screenshot may be sent/)).toBeTruthy();
    expect(fake.calls).not.toContain("previewTicket");
    await fireEvent.click(byId("ticket-screenshot-consent"));
    await fireEvent.click(byId("ticket-preview-button"));
    await waitFor(() => expect(byId("ticket-preview")).toBeTruthy());
    expect(fake.drafts.at(-1)!.screenshot_png_base64).toBe(FAKE_SCREENSHOT_PNG);
    expect(byId("ticket-preview-attachments").textContent).toContain("screenshot.png");
  });

  it("a screenshot that cannot be taken says why and what to do instead", async () => {
    await open({
      errors: {
        captureScreen: {
          code: "capture.unavailable",
          message: "Deskside cannot take a screenshot on this desktop. Take one with your usual tool and choose the image.",
        },
      },
    });
    await fireEvent.click(byId("ticket-part-screenshot").querySelector("input")!);
    await fireEvent.click(byId("ticket-screenshot-take"));
    await waitFor(() => expect(byId("ticket-screenshot-error").textContent).toContain("choose the image"));
    expect(screen.queryByTestId("ticket-screenshot-image")).toBeNull();
    expect(screen.queryByTestId("ticket-screenshot-consent")).toBeNull();
  });

  it("editing after the preview hides it: a stale preview is never sent", async () => {
    await open();
    await fill("Printer", "It jams.");
    await fireEvent.click(byId("ticket-preview-button"));
    await waitFor(() => expect(byId("ticket-preview")).toBeTruthy());
    await fireEvent.input(byId("ticket-subject"), { target: { value: "Printer on floor 2" } });
    expect(screen.queryByTestId("ticket-preview")).toBeNull();
  });

  it("a failed delivery says why and offers Copy as email", async () => {
    const { fake } = await open({ delivery: "failed" });
    await fill("Email", "Outlook asks for my password all the time.");
    await fireEvent.click(byId("ticket-preview-button"));
    await waitFor(() => expect(byId("ticket-submit")).toBeTruthy());
    await fireEvent.click(byId("ticket-submit"));
    await waitFor(() => expect(byId("outbox-1").dataset.state).toBe("failed"));
    expect(byId("outbox-1").textContent).toContain("403 Forbidden");
    await fireEvent.click(byId("outbox-copy-1"));
    await waitFor(() => expect(byId("outbox-1").textContent).toContain("Copied. Paste it into an email"));
    expect(fake.clipboard).toContain("Subject: Email");
  });

  it("shows an answered ticket", async () => {
    const { fake, app } = await open();
    fake.emitOutbox([
      {
        id: 3,
        key: "k",
        subject: "VPN",
        state: "delivered",
        remote: { id: "123", url: null },
        attempts: 1,
        next_attempt_at: null,
        error: null,
        created_at: new Date().toISOString(),
        helpdesk: "rt",
        reply: { status: "open", answered: true, updated_at: null, summary: null },
      },
    ]);
    await waitFor(() => expect(byId("outbox-answered-3").textContent).toContain("Your ticket #123 was answered."));
    expect(app.outbox).toHaveLength(1);
  });

  it("without a helpdesk, keeps the summary to paste", async () => {
    const fake = createFakeBackend({ ticketOptions: { ...sampleTicketOptions(), configured: false } });
    const app = new AppState(fake);
    await app.init();
    render(Help, { props: { app } });
    await waitFor(() => expect(byId("ticket-not-configured")).toBeTruthy());
    expect(screen.queryByTestId("ticket-form")).toBeNull();
    expect((byId("support-text") as HTMLTextAreaElement).value).toContain("Deskside summary for IT");
  });
});
