// The Get help form and the outbox as the UI sees them: the parts a ticket may carry and how
// they are labelled, what the form needs before it can be previewed, and how each ticket of
// the outbox reads (queued, sending, delivered as #123, failed with the reason, answered).
// Pure: the screen renders these.

import { formatAgo, formatBytes, plural } from "./format";
import type { Tone } from "./status";
import type { FixResult, OutboxTicket, Report, TicketDraft, TicketOptions, TicketPart, TicketParts, TicketPreview, Urgency } from "./bindings";

/** What the user edits in the Get help form (UI only): the IPC `TicketDraft` minus the evidence. */
export type TicketFields = Omit<TicketDraft, "report" | "fix_results">;

/**
 * What a diagnosis run or a failed fix adds to the ticket, typed (UI only). It crosses IPC as
 * plain JSON (`JsonValue` in the bindings); `finalDraft` is where the form becomes the draft
 * that is sent.
 */
export interface TicketEvidence {
  report: Report | null;
  fix_results: FixResult[];
}

/** The whole form: what the user wrote and ticked, and the evidence. */
export type TicketForm = TicketFields & TicketEvidence;

export const PARTS: readonly { part: TicketPart; label: string; detail: string }[] = [
  { part: "device", label: "Device information", detail: "Computer name, system, disks and network settings." },
  { part: "diagnostics", label: "Diagnostics results", detail: "What Deskside checked and what it found." },
  { part: "fixes", label: "Fixes tried", detail: "Which fixes ran, their re-test and Deskside's fix log." },
  { part: "logs", label: "Deskside's logs", detail: "Deskside's own recent log files." },
  { part: "screenshot", label: "A screenshot", detail: "Of your screen (Deskside steps aside while it is taken) or an image you choose. Check it shows nothing private." },
];

export const URGENCIES: readonly { id: Urgency; label: string }[] = [
  { id: "low", label: "Low: it can wait" },
  { id: "normal", label: "Normal" },
  { id: "high", label: "High: I cannot work" },
];

export const SUBJECT_MAX = 150;

/** A new form: nothing written, every allowed part on except the screenshot, no evidence. */
export function emptyDraft(options: TicketOptions | null = null): TicketForm {
  return { ...emptyFields(options), report: null, fix_results: [] };
}

export function emptyFields(options: TicketOptions | null = null): TicketFields {
  const allowed = (p: TicketPart) => options?.parts.find((o) => o.part === p)?.allowed ?? true;
  return {
    subject: "",
    description: "",
    category: null,
    urgency: "normal",
    contact: options?.default_contact ?? null,
    // Screenshots are opt-in every time; everything else is on unless forbidden.
    parts: {
      device: allowed("device"),
      diagnostics: allowed("diagnostics"),
      fixes: allowed("fixes"),
      logs: allowed("logs"),
      screenshot: false,
    },
    screenshot_png_base64: null,
    reveal: [],
  };
}

/** The user's undo of one hidden value (or its re-hiding): the new `reveal` list. */
export function toggleReveal(reveal: string[], id: string): string[] {
  return reveal.includes(id) ? reveal.filter((r) => r !== id) : [...reveal, id];
}

/** Where a hidden value was, in the user's words. */
export function fieldName(field: string): string {
  return { subject: "subject", description: "description", category: "category", contact: "contact" }[field] ?? field;
}

/** The preview's line about what was hidden: the count is exactly what is hidden. */
export function hiddenSentence(preview: Pick<TicketPreview, "redactions" | "hidden" | "hidden_elsewhere">): string {
  const n = preview.redactions;
  if (n === 0) {
    return preview.hidden.length ? "Nothing is hidden: you chose to send every value as you typed it." : "Deskside found no passwords or keys to hide.";
  }
  const s = n === 1 ? "" : "s";
  return `Deskside hid ${n} password${s}, key${s} or personal detail${s} it found.`;
}

/** The parts the configuration allows; forbidden ones are switched off whatever the draft says. */
export function effectiveParts(parts: TicketParts, options: TicketOptions | null): TicketParts {
  const out = { ...parts };
  for (const o of options?.parts ?? []) if (!o.allowed) out[o.part] = false;
  return out;
}

export interface DraftProblem {
  field: "subject" | "description" | "screenshot" | "contact";
  message: string;
}

/** What stops the draft from being previewed, one plain sentence per field. */
export function draftProblems(d: TicketFields, screenshotConsent: boolean): DraftProblem[] {
  const out: DraftProblem[] = [];
  if (!d.subject.trim()) out.push({ field: "subject", message: "Write a short subject, e.g. “Cannot reach the intranet”." });
  else if (d.subject.trim().length > SUBJECT_MAX) out.push({ field: "subject", message: `Keep the subject under ${SUBJECT_MAX} characters.` });
  if (!d.description.trim()) out.push({ field: "description", message: "Describe what happened and what you were trying to do." });
  if (d.parts.screenshot && !d.screenshot_png_base64) out.push({ field: "screenshot", message: "Take or choose a screenshot, or switch the screenshot off." });
  if (d.parts.screenshot && d.screenshot_png_base64 && !screenshotConsent) {
    out.push({ field: "screenshot", message: "Confirm that the screenshot may be sent." });
  }
  if (d.contact && d.contact.length > 200) out.push({ field: "contact", message: "The contact is too long." });
  return out;
}

/** The draft as sent: forbidden parts off, the screenshot only with consent, trimmed text. */
export function finalDraft(d: TicketForm, options: TicketOptions | null, screenshotConsent: boolean): TicketDraft {
  const parts = effectiveParts(d.parts, options);
  if (!screenshotConsent) parts.screenshot = false;
  return {
    ...d,
    subject: d.subject.trim(),
    description: d.description.trim(),
    contact: d.contact?.trim() || null,
    parts,
    fix_results: parts.fixes ? d.fix_results : [],
    report: parts.diagnostics ? d.report : null,
    screenshot_png_base64: parts.screenshot ? d.screenshot_png_base64 : null,
  };
}

// ---- outbox ------------------------------------------------------------------------------

export interface OutboxView {
  id: number;
  subject: string;
  state: OutboxTicket["state"];
  tone: Tone;
  label: string;
  sentence: string;
  remoteId: string | null;
  url: string | null;
  /** "Your ticket #123 was answered." */
  answered: string | null;
  canRetry: boolean;
  canCopyAsEmail: boolean;
}

function inFuture(iso: string | null, now: Date): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const secs = Math.round((t - now.getTime()) / 1000);
  if (secs <= 30) return "in a moment";
  const mins = Math.round(secs / 60);
  return mins < 60 ? `in ${plural(mins, "minute")}` : `in ${plural(Math.round(mins / 60), "hour")}`;
}

export function outboxView(t: OutboxTicket, now = new Date()): OutboxView {
  const email = t.helpdesk === "email";
  // An email's remote id is its Message-ID: nothing a person would quote.
  const number = t.remote && !email ? `#${t.remote.id}` : null;
  let tone: Tone;
  let label: string;
  let sentence: string;
  switch (t.state) {
    case "queued": {
      tone = "info";
      label = "Waiting to send";
      const next = inFuture(t.next_attempt_at, now);
      sentence =
        t.attempts > 0
          ? `Not sent yet${t.error ? ` (${t.error})` : ""}. Deskside tries again ${next ?? "soon"} — it is kept safely until then.`
          : "Saved on this computer. It is sent as soon as the helpdesk can be reached.";
      break;
    }
    case "sending":
      tone = "info";
      label = "Sending…";
      sentence = "Sending to the helpdesk now.";
      break;
    case "delivered":
      tone = "ok";
      label = number ? `Ticket ${number}` : email ? "Sent by email" : "Delivered";
      sentence = number
        ? `Delivered. The helpdesk's ticket number is ${number}.`
        : email
          ? "Sent to IT by email."
          : "Delivered to the helpdesk.";
      break;
    default:
      tone = "bad";
      label = "Could not be sent";
      sentence = `Could not be sent: ${t.error ?? "the helpdesk refused it"}. Copy it as an email and send it to IT yourself.`;
  }
  const answered = t.state === "delivered" && t.reply?.answered ? `Your ticket ${number ?? ""} was answered.`.replace("  ", " ") : null;
  return {
    id: t.id,
    subject: t.subject,
    state: t.state,
    tone,
    label,
    sentence,
    remoteId: email ? null : (t.remote?.id ?? null),
    url: t.remote?.url ?? null,
    answered,
    canRetry: t.state === "queued" || t.state === "failed",
    canCopyAsEmail: t.state !== "delivered",
  };
}

/** "Sent 5 minutes ago". */
export function createdText(t: OutboxTicket, now = new Date()): string {
  const ago = formatAgo(t.created_at, now);
  return ago ? `Created ${ago}` : "";
}

export function attachmentText(a: { name: string; bytes: number }): string {
  return `${a.name} (${formatBytes(a.bytes)})`;
}
