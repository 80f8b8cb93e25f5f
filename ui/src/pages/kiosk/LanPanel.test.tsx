// 局域网自助服务 panel with the IPC mocked: start sends the chosen project and the typed address,
// the running service shows its addresses, fingerprint and a QR code; stop goes back to the form;
// a refused start shows the shell's Chinese message; a service already running shows on mount.
import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import LanPanel from "./LanPanel";
import { apiError, mockCommands } from "../../test/ipc";
import { renderPage } from "../../test/render";
import type { LanInfo } from "../../api/lan";

const info: LanInfo = {
  url: "https://127.0.0.1:48443",
  kiosk_url: "https://127.0.0.1:48443/kiosk?k=abc123",
  me_url: "https://127.0.0.1:48443/me",
  fingerprint: "AB:CD:EF",
  project_code: "2026-04-08-186(国)",
  project_name: "急诊医学新进展学习班",
};

describe("局域网自助服务 panel", () => {
  it("starts for the chosen project on the typed address, shows the addresses, then stops", async () => {
    let running: LanInfo | null = null;
    const calls = mockCommands({
      lan_status: () => running,
      lan_start: () => (running = info),
      lan_stop: () => {
        running = null;
        return true;
      },
    });
    renderPage(<LanPanel projectId="p-1" />);
    await waitFor(() => expect(calls.some((c) => c.cmd === "lan_status")).toBe(true));
    const start = screen.getByTestId("lan-start") as HTMLButtonElement;
    expect(start.disabled).toBe(true); // no address yet
    fireEvent.change(screen.getByTestId("lan-listen"), { target: { value: " 127.0.0.1:0 " } });
    await waitFor(() => expect((screen.getByTestId("lan-start") as HTMLButtonElement).disabled).toBe(false));
    await act(async () => fireEvent.click(screen.getByTestId("lan-start")));

    await screen.findByTestId("lan-running");
    expect(calls.find((c) => c.cmd === "lan_start")!.args).toEqual({ projectId: "p-1", listen: " 127.0.0.1:0 " });
    expect(screen.getByTestId("lan-kiosk-url").textContent).toContain(info.kiosk_url);
    expect(screen.getByTestId("lan-me-url").textContent).toContain(info.me_url);
    expect(screen.getByTestId("lan-fingerprint").textContent).toBe("AB:CD:EF");
    expect(screen.getByTestId("lan-qr")).toBeTruthy();

    await act(async () => fireEvent.click(screen.getByTestId("lan-stop")));
    await screen.findByTestId("lan-listen");
    expect(calls.filter((c) => c.cmd === "lan_stop")).toHaveLength(1);
    expect(screen.queryByTestId("lan-running")).toBeNull();
  });

  it("shows the shell's message when the start is refused, and needs a project", async () => {
    mockCommands({
      lan_status: () => null,
      lan_start: () => {
        throw apiError("LAN_ADDRESS", "地址格式应为 IP:端口，如 192.168.1.20:8443", "listen");
      },
    });
    const noProject = renderPage(<LanPanel projectId={null} />);
    fireEvent.change(screen.getByTestId("lan-listen"), { target: { value: "not an address" } });
    expect((screen.getByTestId("lan-start") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("请先选择项目")).toBeTruthy();
    noProject.unmount();
    renderPage(<LanPanel projectId="p-1" />);
    fireEvent.change(screen.getByTestId("lan-listen"), { target: { value: "not an address" } });
    await act(async () => fireEvent.click(screen.getByTestId("lan-start")));
    expect((await screen.findByTestId("lan-error")).textContent).toBe("地址格式应为 IP:端口，如 192.168.1.20:8443");
    expect(screen.queryByTestId("lan-running")).toBeNull();
  });

  it("shows a service that is already running when the page opens", async () => {
    mockCommands({ lan_status: () => info });
    renderPage(<LanPanel projectId={null} />);
    expect((await screen.findByTestId("lan-kiosk-url")).textContent).toContain(info.kiosk_url);
  });
});
