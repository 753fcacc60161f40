import { describe, expect, it } from "vitest";
import { brokenDnsReport, healthOf, sampleDevice } from "./sample-data";
import { supportText } from "./support-text";

describe("supportText", () => {
  it("summarizes the diagnosis and the device for IT", () => {
    const report = brokenDnsReport();
    const text = supportText({ health: healthOf(report), report, device: sampleDevice(), appVersion: "0.1.0" });
    expect(text).toMatchInlineSnapshot(`
      "Deskside summary for IT
      Status: Problem found - Websites cannot be found by name (DNS problem).
      Checked: 2026-11-23T09:41:26.535Z

      Root cause: Name lookup (DNS) (net.dns)
        Websites cannot be found by name: the DNS server 192.168.178.1 does not answer.
        What to do next: Reconnect to the network; Deskside can clear the DNS cache. If it persists, the network's DNS service is down: contact IT.

      Checks not passing:
        [Problem] net.dns: Websites cannot be found by name: the DNS server 192.168.178.1 does not answer.
        9 passed, 8 not checked, 18 in total.

      Device:
        Computer name: LT-ALEX-0427
        User: alex.morgan
        OS: Ubuntu 24.04.1 LTS 24.04 (6.8.0-49-generic)
        Hardware: LENOVO ThinkPad T14 Gen 3 (21AH00BQGE)
        Running for: 2 d 4 h 4 min
        Addresses: wlp0s20f3 192.168.178.23
        Gateway: 192.168.178.1 via wlp0s20f3
        DNS: 127.0.0.53
        VPN: none
        Disk /: 169.8 GiB free of 475.8 GiB (36%)
        Disk /boot/efi: 504.5 MiB free of 510.9 MiB (99%)

      Deskside 0.1.0
      "
    `);
  });

  it("works with nothing known yet, and names a likely cause from health alone", () => {
    expect(supportText({ health: null, report: null, device: null })).toBe("Deskside summary for IT\nStatus: not checked yet\n");
    const text = supportText({ health: healthOf(brokenDnsReport()), report: null, device: null });
    expect(text).toContain("Likely cause: Name lookup (DNS) (net.dns)");
  });
});
