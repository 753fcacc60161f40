import { describe, expect, it } from "vitest";
import { defaultGateways, deviceView, diskTone, proxyText } from "./device-view";
import { sampleDevice } from "./sample-data";

const NOW = new Date("2026-11-23T09:46:21Z");

describe("deviceView", () => {
  const v = deviceView(sampleDevice(), NOW);

  it("fills the Device card with the hostname test hook", () => {
    expect(v.hostname).toBe("LT-ALEX-0427");
    expect(v.device).toContainEqual({ label: "Computer name", value: "LT-ALEX-0427", mono: true, testid: "device-hostname" });
    expect(v.device).toContainEqual({ label: "Running for", value: "2 d 4 h 4 min" });
    expect(v.device).toContainEqual({ label: "Collected", value: "5 minutes ago" });
  });

  it("says Unknown / Not readable instead of leaving blanks", () => {
    expect(v.hardware).toContainEqual({ label: "Serial number", value: "Not readable", mono: true });
    const bare = deviceView({ ...sampleDevice(), hostname: "", user: null, cpu: { brand: null, cores: null, threads: null }, memory: { total_bytes: null, available_bytes: null } }, NOW);
    expect(bare.device[0]!.value).toBe("Unknown");
    expect(bare.cpuMemory).toEqual([
      { label: "Processor", value: "Unknown" },
      { label: "Memory", value: "Unknown" },
    ]);
    expect(bare.memoryUsedPercent).toBeNull();
  });

  it("describes CPU and memory", () => {
    expect(v.cpuMemory[0]!.value).toBe("12th Gen Intel(R) Core(TM) i7-1260P (12 cores, 16 threads)");
    expect(v.cpuMemory[1]!.value).toBe("31.1 GiB (18.3 GiB available)");
    expect(v.memoryUsedPercent).toBe(41);
  });

  it("shows disks with a used-space bar and a tone from free space", () => {
    expect(v.disks[0]).toEqual({
      mount: "/",
      detail: "ext4 on /dev/nvme0n1p2",
      usedPercent: 64,
      freeText: "169.8 GiB free of 475.8 GiB",
      tone: "ok",
      readOnly: false,
    });
    expect([diskTone(50), diskTone(9), diskTone(4), diskTone(null)]).toEqual(["ok", "warn", "bad", "neutral"]);
  });

  it("puts uplinks first and folds plumbing away", () => {
    expect(v.interfaces.map((i) => [i.name, i.state])).toEqual([
      ["enp0s31f6", "Not connected"],
      ["wlp0s20f3", "Connected"],
    ]);
    expect(v.otherInterfaces.map((i) => i.name)).toEqual(["docker0", "virbr0"]);
    expect(v.interfaces[1]).toMatchObject({ kind: "Wi-Fi", addresses: ["192.168.178.23/24", "fe80::a6c3:f0ff:fe5e:129b/64"] });
  });

  it("lists gateway, DNS and proxy", () => {
    expect(defaultGateways(sampleDevice())).toEqual(["192.168.178.1 via wlp0s20f3"]);
    expect(v.network.map((f) => f.label)).toEqual(["Default gateway", "DNS servers", "Upstream DNS", "Search domains", "Proxy"]);
    expect(proxyText(sampleDevice())).toBe("None (direct connection)");
    const s = sampleDevice();
    s.network.proxy = { ...s.network.proxy, http: { host: "proxy.corp", port: 3128 }, pac_url: "http://wpad/wpad.dat" };
    expect(proxyText(s)).toBe("HTTP proxy.corp:3128, PAC http://wpad/wpad.dat");
  });

  it("shows VPN links and the battery", () => {
    expect(v.vpn).toEqual([]);
    const s = sampleDevice();
    s.network.interfaces.push({ name: "wg0", description: null, kind: "tunnel", state: "up", mac: null, mtu: 1420, dhcp: null, addresses: [{ addr: "10.8.0.5", prefix_len: 32 }] });
    s.vpn_interfaces = ["wg0"];
    const withVpn = deviceView(s, NOW);
    expect(withVpn.vpn.map((i) => i.name)).toEqual(["wg0"]);
    expect(withVpn.interfaces.map((i) => i.name)).toContain("wg0");
    expect(v.battery).toEqual([
      { label: "Charge", value: "82%" },
      { label: "State", value: "Discharging" },
      { label: "Health", value: "91%" },
      { label: "Cycles", value: "214" },
    ]);
    expect(deviceView({ ...sampleDevice(), battery: null }, NOW).battery).toBeNull();
  });
});
