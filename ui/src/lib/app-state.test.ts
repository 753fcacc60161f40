// Subscribe before reading, and never let an older answer overwrite a newer event (issue 11:
// in 2 of 5 launches Home said "Deskside has not checked this computer yet" after the
// background check had found the VPN down, because the window read the health before it
// listened for health updates).
import { describe, expect, it } from "vitest";
import { AppState } from "./app-state.svelte";
import { createFakeBackend, type FakeBackend, type FakeEvent, type HoldableRead } from "./backend-fake";
import type { HealthState, OutboxTicket, PasswordStatus } from "./bindings";
import { samplePasswordStatus } from "./sample-data";

const NOT_CHECKED: HealthState = { status: "unknown", headline: "", root_cause: null, checked_at: null };
const VPN_DOWN: HealthState = {
  status: "broken",
  headline: "The VPN is not connected.",
  root_cause: "vpn.tunnel",
  checked_at: "2026-11-23T09:41:27Z",
};
const DELIVERED: OutboxTicket = {
  id: 7,
  key: "0b7e6a52-4f0e-4c8f-9d8e-000000000007",
  subject: "VPN down",
  state: "delivered",
  remote: { id: "1048", url: null },
  attempts: 1,
  next_attempt_at: null,
  error: null,
  created_at: "2026-11-23T09:30:00Z",
  helpdesk: "rt",
  reply: null,
};
const EXPIRED: PasswordStatus = { ...samplePasswordStatus(), state: "expired", days_left: -1, checked_at: "2026-11-23T09:42:00Z" };

/** One state the window mirrors from a read command and an update event. */
interface Pair {
  name: string;
  read: HoldableRead;
  event: FakeEvent;
  /** The shell's state changes and it sends the event. */
  update(fake: FakeBackend): void;
  /** Runs `then` right after the window's listener for this event is registered. */
  afterSubscribe(fake: FakeBackend, then: () => void): void;
  shown(app: AppState): unknown;
  updated: unknown;
}

const PAIRS: Pair[] = [
  {
    name: "health",
    read: "getHealth",
    event: "health",
    update: (fake) => fake.emitHealth(VPN_DOWN),
    afterSubscribe(fake, then) {
      const subscribe = fake.onHealthChanged;
      fake.onHealthChanged = async (cb) => {
        const stop = await subscribe(cb);
        then();
        return stop;
      };
    },
    shown: (app) => app.health,
    updated: VPN_DOWN,
  },
  {
    name: "outbox",
    read: "listOutbox",
    event: "outbox",
    update: (fake) => fake.emitOutbox([DELIVERED]),
    afterSubscribe(fake, then) {
      const subscribe = fake.onOutboxChanged;
      fake.onOutboxChanged = async (cb) => {
        const stop = await subscribe(cb);
        then();
        return stop;
      };
    },
    shown: (app) => app.outbox,
    updated: [DELIVERED],
  },
  {
    name: "password status",
    read: "getPasswordStatus",
    event: "password",
    update: (fake) => fake.emitPassword(EXPIRED),
    afterSubscribe(fake, then) {
      const subscribe = fake.onPasswordStatus;
      fake.onPasswordStatus = async (cb) => {
        const stop = await subscribe(cb);
        then();
        return stop;
      };
    },
    shown: (app) => app.password,
    updated: EXPIRED,
  },
];

/** A fake whose state is older than `VPN_DOWN`, `[DELIVERED]` and `EXPIRED`. */
const fakeBefore = () => createFakeBackend({ health: NOT_CHECKED, outbox: [], password: samplePasswordStatus() });

describe.each(PAIRS)("the window's $name", (pair) => {
  it("is listened for before it is read, and an update sent in between is shown", async () => {
    const fake = fakeBefore();
    pair.afterSubscribe(fake, () => pair.update(fake));
    const held = fake.hold(pair.read);
    let listenersAtRead = -1;
    void held.reached.then(() => (listenersAtRead = fake.listenerCount(pair.event)));
    const app = new AppState(fake);
    const init = app.init();
    await held.reached;
    held.release();
    await init;
    expect(listenersAtRead).toBe(1);
    expect(pair.shown(app)).toEqual(pair.updated);
  });

  it("shows an update sent while the read is on its way, and the read's older answer does not overwrite it", async () => {
    const fake = fakeBefore();
    const held = fake.hold(pair.read);
    const app = new AppState(fake);
    const init = app.init();
    // The read has taken its (old) answer; the shell's state moves on before it arrives.
    await held.reached;
    expect(fake.listenerCount(pair.event)).toBe(1);
    pair.update(fake);
    expect(pair.shown(app)).toEqual(pair.updated);
    held.release();
    await init;
    expect(pair.shown(app)).toEqual(pair.updated);
  });
});

describe("reads and answers of the password status", () => {
  it("an earlier read answering last does not overwrite a later one", async () => {
    const fake = fakeBefore();
    const app = new AppState(fake);
    await app.init();
    const held = fake.hold("getPasswordStatus");
    const first = app.loadPassword(false);
    await held.reached;
    fake.emitPassword(EXPIRED); // the directory now says expired; a refresh reads that
    await app.loadPassword(true);
    expect(app.password).toEqual(EXPIRED);
    held.release();
    await first;
    expect(app.password).toEqual(EXPIRED);
  });

  it("a change's answer wins over a read still on its way", async () => {
    const fake = fakeBefore();
    const app = new AppState(fake);
    await app.init();
    const held = fake.hold("getPasswordStatus");
    const read = app.loadPassword(false);
    await held.reached;
    app.passwordChanged(EXPIRED);
    held.release();
    await read;
    expect(app.password).toEqual(EXPIRED);
  });

  it("a new status clears the error of a failed read", async () => {
    const fake = createFakeBackend({ errors: { getPasswordStatus: { code: "password.directory_unreachable", message: "No directory." } } });
    const app = new AppState(fake);
    await app.init();
    expect(app.passwordError).toBe("No directory.");
    fake.emitPassword(EXPIRED);
    expect(app.password).toEqual(EXPIRED);
    expect(app.passwordError).toBeNull();
  });

  it("a read that answers with no newer update in between is shown", async () => {
    const fake = fakeBefore();
    const app = new AppState(fake);
    await app.init();
    expect(app.health).toEqual(NOT_CHECKED);
    expect(app.password).toEqual(samplePasswordStatus());
    expect(app.outbox).toEqual([]);
  });
});

describe("managed policy changed while the window is open", () => {
  it("shows the new branding at once and clears an old app-info error", async () => {
    const fake = createFakeBackend();
    const app = new AppState(fake);
    await app.init();
    expect(fake.listenerCount("appInfo")).toBe(1);
    app.appInfoError = "config.invalid: broken";
    const before = app.appInfo!;
    const changed = { ...before, organization: "Policy Corp", accent_color: "#005a9c" };
    fake.emitAppInfo(changed);
    expect(app.appInfo).toEqual(changed);
    expect(app.appInfoError).toBeNull();
  });
});
