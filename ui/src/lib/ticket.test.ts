import { describe, expect, it } from "vitest";
import { draftProblems, effectiveParts, emptyDraft, finalDraft, hiddenSentence, outboxView, toggleReveal } from "./ticket";
import { brokenDnsReport, sampleFixResult, sampleTicketOptions } from "./sample-data";
import type { OutboxTicket, TicketOptions } from "./bindings";

const NOW = new Date("2026-11-23T10:00:00Z");

function forbidding(...parts: string[]): TicketOptions {
  const o = sampleTicketOptions();
  for (const p of o.parts) if (parts.includes(p.part)) Object.assign(p, { allowed: false, reason: "Policy." });
  return o;
}

function ticket(over: Partial<OutboxTicket>): OutboxTicket {
  return {
    id: 7,
    key: "k",
    subject: "VPN",
    state: "queued",
    remote: null,
    attempts: 0,
    next_attempt_at: null,
    error: null,
    created_at: "2026-11-23T09:55:00Z",
    helpdesk: "rt",
    reply: null,
    ...over,
  };
}

describe("the ticket draft", () => {
  it("starts with every allowed part on except the screenshot, and the user's contact", () => {
    const d = emptyDraft(forbidding("logs"));
    expect(d.parts).toEqual({ device: true, diagnostics: true, fixes: true, logs: false, screenshot: false });
    expect(d.contact).toBe("alex@acme.example");
  });

  it("names each missing piece in plain words", () => {
    const d = emptyDraft();
    expect(draftProblems(d, false).map((p) => p.field)).toEqual(["subject", "description"]);
    d.subject = "x".repeat(151);
    d.description = "It broke.";
    expect(draftProblems(d, false)[0]?.message).toContain("under 150");
    d.subject = "VPN down";
    d.parts.screenshot = true;
    expect(draftProblems(d, false)[0]?.message).toContain("Take or choose a screenshot");
    d.screenshot_png_base64 = "iVBORw0KGgo=";
    expect(draftProblems(d, false)[0]?.message).toContain("Confirm");
    expect(draftProblems(d, true)).toEqual([]);
  });

  it("sends forbidden parts off, the screenshot only with consent, and nothing of a part switched off", () => {
    const d = emptyDraft();
    d.subject = "  VPN  ";
    d.description = " down ";
    d.contact = "  ";
    d.parts.screenshot = true;
    d.screenshot_png_base64 = "AAAA";
    d.report = brokenDnsReport();
    d.fix_results = [sampleFixResult("net.flush_dns", "not_fixed")];
    const noConsent = finalDraft(d, null, false);
    expect(noConsent.parts.screenshot).toBe(false);
    expect(noConsent.screenshot_png_base64).toBeNull();
    expect(noConsent.subject).toBe("VPN");
    expect(noConsent.contact).toBeNull();
    const forbidden = finalDraft(d, forbidding("screenshot", "diagnostics", "fixes"), true);
    expect(forbidden.parts).toEqual({ device: true, diagnostics: false, fixes: false, logs: true, screenshot: false });
    expect(forbidden.report).toBeNull();
    expect(forbidden.fix_results).toEqual([]);
    expect(finalDraft(d, null, true).screenshot_png_base64).toBe("AAAA");
    expect(effectiveParts(d.parts, null)).toEqual(d.parts);
  });
});

describe("hidden values", () => {
  it("toggles one undo at a time", () => {
    expect(toggleReveal([], "description:1")).toEqual(["description:1"]);
    expect(toggleReveal(["description:1", "subject:1"], "description:1")).toEqual(["subject:1"]);
  });

  it("says exactly how many values are hidden", () => {
    const item = { id: "description:1", field: "description", kind: "password", label: "a password", before: "", after: "", revealed: false };
    expect(hiddenSentence({ redactions: 2, hidden: [item], hidden_elsewhere: 1 })).toBe("Deskside hid 2 passwords, keys or personal details it found.");
    expect(hiddenSentence({ redactions: 0, hidden: [{ ...item, revealed: true }], hidden_elsewhere: 0 })).toContain("Nothing is hidden");
    expect(hiddenSentence({ redactions: 0, hidden: [], hidden_elsewhere: 0 })).toBe("Deskside found no passwords or keys to hide.");
  });
});

describe("the outbox", () => {
  it("reads each state plainly", () => {
    expect(outboxView(ticket({}), NOW).sentence).toContain("Saved on this computer");
    const retrying = outboxView(ticket({ attempts: 2, error: "the helpdesk cannot be reached", next_attempt_at: "2026-11-23T10:05:00Z" }), NOW);
    expect(retrying.sentence).toBe("Not sent yet (the helpdesk cannot be reached). Deskside tries again in 5 minutes — it is kept safely until then.");
    expect(retrying.canRetry).toBe(true);
    const sent = outboxView(ticket({ state: "delivered", remote: { id: "123", url: "https://help.example/123" } }), NOW);
    expect(sent.label).toBe("Ticket #123");
    expect(sent.answered).toBeNull();
    expect(sent.canCopyAsEmail).toBe(false);
    const failed = outboxView(ticket({ state: "failed", error: "403 Forbidden" }), NOW);
    expect(failed.sentence).toContain("Could not be sent: 403 Forbidden");
    expect(failed.canCopyAsEmail).toBe(true);
  });

  it("an email has no ticket number to show", () => {
    const v = outboxView(ticket({ state: "delivered", helpdesk: "email", remote: { id: "<abc@deskside.invalid>", url: null } }), NOW);
    expect(v.label).toBe("Sent by email");
    expect(v.remoteId).toBeNull();
    expect(v.sentence).not.toContain("abc");
  });

  it("says when a delivered ticket was answered", () => {
    const t = ticket({ state: "delivered", remote: { id: "123", url: null }, reply: { status: "open", answered: true, updated_at: null, summary: null } });
    expect(outboxView(t, NOW).answered).toBe("Your ticket #123 was answered.");
  });
});
