// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Device from "./Device.svelte";
import { AppState } from "../lib/app-state.svelte";
import { createFakeBackend } from "../lib/backend-fake";

describe("Device screen", () => {
  it("loads the snapshot and shows it as cards", async () => {
    const app = new AppState(createFakeBackend());
    render(Device, { props: { app } });
    await waitFor(() => expect(screen.getByTestId("device-hostname").textContent).toBe("LT-ALEX-0427"));
    for (const h of ["Device", "Operating system", "Hardware", "CPU and memory", "Disks", "Network", "VPN", "Battery"]) {
      expect(screen.getByRole("heading", { name: h })).toBeTruthy();
    }
    expect(screen.getByRole("meter", { name: "Space used on /" }).getAttribute("aria-valuenow")).toBe("64");
  });

  it("copies device info and says so in a live region", async () => {
    const fake = createFakeBackend();
    const app = new AppState(fake);
    render(Device, { props: { app } });
    const feedback = screen.getByTestId("copy-feedback");
    expect(feedback.getAttribute("aria-live")).toBe("polite");
    expect(feedback.textContent).toBe("");
    await fireEvent.click(screen.getByTestId("copy-device-info"));
    await waitFor(() => expect(feedback.textContent).toBe("Copied"));
    expect(feedback.dataset.state).toBe("copied");
    expect(fake.calls).toContain("copyDeviceInfo");
    expect(fake.clipboard).toContain("LT-ALEX-0427");
  });

  it("shows the clipboard error message", async () => {
    const app = new AppState(createFakeBackend({ errors: { copyDeviceInfo: { code: "device.clipboard", message: "The clipboard is not available." } } }));
    render(Device, { props: { app } });
    await fireEvent.click(screen.getByTestId("copy-device-info"));
    await waitFor(() => expect(screen.getByTestId("copy-feedback").textContent).toBe("The clipboard is not available."));
    expect(screen.getByTestId("copy-feedback").dataset.state).toBe("failed");
  });

  it("shows a snapshot error", async () => {
    const app = new AppState(createFakeBackend({ errors: { getDevice: { code: "device.snapshot", message: "Could not read this device." } } }));
    render(Device, { props: { app } });
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Could not read this device."));
  });
});
