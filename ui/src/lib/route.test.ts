import { describe, expect, it } from "vitest";
import { hashFor, screenFromHash } from "./route";
import { appTitle } from "./branding";

describe("route", () => {
  it("maps hashes to screens, defaulting to home", () => {
    expect(screenFromHash("#/diagnostics")).toBe("diagnostics");
    expect(screenFromHash("#device")).toBe("device");
    expect(screenFromHash("#/about?x=1")).toBe("about");
    expect(screenFromHash("")).toBe("home");
    expect(screenFromHash("#/nope")).toBe("home");
    expect(hashFor("help")).toBe("#/help");
  });
});

describe("branding", () => {
  it("titles the window after the organisation", () => {
    expect(appTitle({ organization: "Acme" })).toBe("Acme IT help");
    expect(appTitle({ organization: "  " })).toBe("Deskside");
    expect(appTitle(null)).toBe("Deskside");
    expect(appTitle({ organization: "Acme", product_name: "Acme Help" })).toBe("Acme Help");
  });
});
