import { describe, expect, it } from "vitest";
import { CATALOG, catalogIndex, categoryLabel, categoryOf, checkTitle } from "./catalog";

describe("catalog", () => {
  it("lists the 18 checks of docs/checks.md, each once", () => {
    const ids = CATALOG.map((c) => c.id);
    expect(ids).toHaveLength(18);
    expect(new Set(ids).size).toBe(18);
  });

  it("keeps the report's catalog order", () => {
    expect(catalogIndex("net.interface")).toBe(0);
    expect(catalogIndex("net.mtu")).toBeLessThan(catalogIndex("system.clock"));
    expect(catalogIndex("system.clock")).toBeLessThan(catalogIndex("vpn.tunnel"));
    expect(catalogIndex("disk.future")).toBe(CATALOG.length);
  });

  it("finds a category for known and unknown ids", () => {
    expect(categoryOf("system.clock")).toBe("system");
    expect(categoryOf("net.ipv6")).toBe("network");
    expect(categoryOf("vpn.split", "vpn")).toBe("vpn");
    expect(categoryOf("printer.queue", "printing")).toBe("printing");
    expect(categoryLabel("vpn")).toBe("VPN");
    expect(categoryLabel("printing")).toBe("Printing");
  });

  it("titles checks in plain words", () => {
    expect(checkTitle("net.dns")).toBe("Name lookup (DNS)");
    expect(checkTitle("disk.smart_status")).toBe("Smart status");
    expect(checkTitle("config.syntax")).toBe("Deskside settings");
  });
});
