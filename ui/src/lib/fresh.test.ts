import { describe, expect, it } from "vitest";
import { Freshness } from "./fresh";

describe("Freshness", () => {
  it("keeps a read nothing happened during", () => {
    const f = new Freshness();
    const current = f.begin();
    expect(current()).toBe(true);
  });

  it("drops a read an update arrived during", () => {
    const f = new Freshness();
    const current = f.begin();
    f.supersede();
    expect(current()).toBe(false);
  });

  it("keeps a read that began after the update", () => {
    const f = new Freshness();
    f.supersede();
    expect(f.begin()()).toBe(true);
  });

  it("drops an earlier read once a later one began, whichever answers first", () => {
    const f = new Freshness();
    const first = f.begin();
    const second = f.begin();
    expect(second()).toBe(true);
    expect(first()).toBe(false);
  });
});
