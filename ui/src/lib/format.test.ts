import { describe, expect, it } from "vitest";
import { formatAgo, formatBytes, formatDuration, formatUptime, percentOf, plural } from "./format";

describe("format", () => {
  it("prints sizes exactly like `desksidectl info`", () => {
    // Values and strings from a real `desksidectl info` run.
    expect(formatBytes(270_553_174_016)).toBe("251.9 GiB");
    expect(formatBytes(76_277_526_528)).toBe("71.0 GiB");
    expect(formatBytes(25_276_502_016)).toBe("23.5 GiB");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(null)).toBe("unknown");
  });

  it("prints uptime like the CLI", () => {
    expect(formatUptime(2397)).toBe("39 min");
    expect(formatUptime(3 * 3600 + 5 * 60)).toBe("3 h 5 min");
    expect(formatUptime(187_440)).toBe("2 d 4 h 4 min");
    expect(formatUptime(undefined)).toBe("unknown");
  });

  it("says how long ago", () => {
    const now = new Date("2026-11-23T12:00:00Z");
    expect(formatAgo("2026-11-23T11:59:30Z", now)).toBe("just now");
    expect(formatAgo("2026-11-23T11:59:00Z", now)).toBe("1 minute ago");
    expect(formatAgo("2026-11-23T11:53:00Z", now)).toBe("7 minutes ago");
    expect(formatAgo("2026-11-23T09:00:00Z", now)).toBe("3 hours ago");
    expect(formatAgo("2026-11-20T12:00:00Z", now)).toBe("3 days ago");
    expect(formatAgo(null, now)).toBeNull();
    expect(formatAgo("yesterday", now)).toBeNull();
  });

  it("computes clamped percentages and small words", () => {
    expect(percentOf(1, 4)).toBe(25);
    expect(percentOf(5, 4)).toBe(100);
    expect(percentOf(1, 0)).toBeNull();
    expect(plural(1, "check")).toBe("1 check");
    expect(plural(2, "check")).toBe("2 checks");
    expect(formatDuration(412)).toBe("412 ms");
    expect(formatDuration(2412)).toBe("2.4 s");
  });
});
