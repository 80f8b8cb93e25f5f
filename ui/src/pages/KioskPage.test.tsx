// 签到 in keyboard-wedge mode with the IPC mocked: the confirmation appears only after the commit
// command answered, with name, department, status colours and the live count; unknown cards and
// duplicates say so in Chinese.
import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import KioskPage from "./KioskPage";
import { mockCommands } from "../test/ipc";
import { pickOption } from "../test/select";
import { emit } from "@tauri-apps/api/event";
import { renderPage } from "../test/render";
import type { KioskSwipe } from "../api/kiosk";
import type { Project } from "../bindings/Project";

const project = { id: "p-1", code: "2026-04-08-186(国)", name: "急诊医学新进展学习班", state: "approved" } as Project;

async function choose() {
  fireEvent.mouseDown(screen.getByTestId("kiosk-project").closest(".ant-select")!.querySelector(".ant-select-selector")!);
  const option = await waitFor(() => {
    const o = [...document.querySelectorAll(".ant-select-item-option")].find((e) => e.getAttribute("title")?.startsWith(project.code));
    if (!o) throw new Error("no option");
    return o;
  });
  fireEvent.click(option);
}

/** A reader typing: keys 8 ms apart, then Enter. */
function swipe(card: string) {
  const box = screen.getByTestId("kiosk-wedge");
  for (const ch of card) fireEvent.keyDown(box, { key: ch });
  fireEvent.keyDown(box, { key: "Enter" });
}

describe("签到 (keyboard-wedge)", () => {
  it("confirms only after the commit, then shows who, where and the count", async () => {
    let release: (v: KioskSwipe) => void = () => {};
    const counts = { accepted: 0, duplicate: 0, unknown_card: 0 };
    const calls = mockCommands({
      list_projects: () => [project],
      kiosk_counts: () => counts,
      kiosk_stop: () => false,
      kiosk_keyboard_swipe: () => new Promise<KioskSwipe>((r) => (release = r)),
    });
    renderPage(<KioskPage />);
    await choose();
    await waitFor(() => expect((screen.getByTestId("kiosk-wedge") as HTMLInputElement).disabled).toBe(false));

    act(() => swipe("3201000010"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "kiosk_keyboard_swipe")).toBe(true));
    expect(calls.find((c) => c.cmd === "kiosk_keyboard_swipe")!.args).toEqual({ projectId: "p-1", typed: "3201000010" });
    // Not committed yet: nothing confirmed.
    expect(screen.getByTestId("kiosk-confirmation").getAttribute("data-status")).toBe("");
    expect(screen.getByText("正在登记…")).toBeTruthy();

    await act(async () => {
      release({
        swipe_id: "w-1",
        status: "accepted",
        status_label: "签到成功",
        card_key: "ic:3201000010",
        name: "王伟",
        department: "心血管内科",
        swiped_at: "2026-12-02 08:01:02",
        counts: { accepted: 1, duplicate: 0, unknown_card: 0 },
      });
    });
    expect(screen.getByTestId("kiosk-confirmation").getAttribute("data-status")).toBe("accepted");
    expect(screen.getByTestId("kiosk-name").textContent).toBe("王伟");
    expect(screen.getByTestId("kiosk-department").textContent).toBe("心血管内科");
    expect(screen.getByTestId("kiosk-count-accepted").textContent).toContain("1");
  });

  it("says so for a duplicate and an unknown card", async () => {
    const replies: KioskSwipe[] = [
      { swipe_id: "w-2", status: "duplicate", status_label: "重复刷卡", card_key: "ic:3201000010", name: "王伟", department: "心血管内科", swiped_at: "2026-12-02 08:01:30", counts: { accepted: 1, duplicate: 1, unknown_card: 0 } },
      { swipe_id: "w-3", status: "unknown_card", status_label: "未知卡", card_key: "ic:9999999999", name: null, department: null, swiped_at: "2026-12-02 08:02:00", counts: { accepted: 1, duplicate: 1, unknown_card: 1 } },
    ];
    mockCommands({
      list_projects: () => [project],
      kiosk_counts: () => ({ accepted: 1, duplicate: 0, unknown_card: 0 }),
      kiosk_stop: () => false,
      kiosk_keyboard_swipe: () => replies.shift()!,
    });
    renderPage(<KioskPage />);
    await choose();
    await waitFor(() => expect(screen.getByTestId("kiosk-count-accepted").textContent).toContain("1"));

    await act(async () => swipe("3201000010"));
    await waitFor(() => expect(screen.getByTestId("kiosk-confirmation").getAttribute("data-status")).toBe("duplicate"));
    expect(screen.getByText("已签到过，本次已记录，无需再刷")).toBeTruthy();

    await act(async () => swipe("9999999999"));
    await waitFor(() => expect(screen.getByTestId("kiosk-confirmation").getAttribute("data-status")).toBe("unknown_card"));
    expect(screen.getByTestId("kiosk-name").textContent).toBe("ic:9999999999");
    expect(screen.getByText(/未登记的卡：请到科教科登记发卡/)).toBeTruthy();
    expect(screen.getByTestId("kiosk-count-unknown").textContent).toContain("1");
  });

  it("serial mode: a port typed by hand, the text reader's number format, then swipes from events", async () => {
    const calls = mockCommands({
      list_projects: () => [project],
      kiosk_counts: () => ({ accepted: 0, duplicate: 0, unknown_card: 0 }),
      kiosk_stop: () => true,
      list_serial_ports: () => [],
      lan_status: () => null,
      // The reader connects before the command answers (as on a loaded machine): the page must
      // still show 已连接, not the "connecting" placeholder.
      kiosk_start: async () => {
        await emit("kiosk-reader", { type: "status", reader_id: "t-1", status: { state: "connected", path: "/dev/pts/7", baud: 9600 } });
        return null;
      },
    });
    renderPage(<KioskPage />);
    await choose();
    fireEvent.click(screen.getByText("串口读卡器"));
    const path = await screen.findByTestId("kiosk-port-path");
    fireEvent.change(path, { target: { value: " /dev/pts/7 " } });
    await pickOption("kiosk-reader-kind", "文本输出读卡器（每行一个卡号）", screen.getByTestId);
    await pickOption("kiosk-ascii-format", "卡面号码（与发卡时录入的一致）", screen.getByTestId);
    await act(async () => fireEvent.click(screen.getByTestId("kiosk-start")));
    await waitFor(() => expect(calls.some((c) => c.cmd === "kiosk_start")).toBe(true));
    expect(calls.find((c) => c.cmd === "kiosk_start")!.args).toEqual({ projectId: "p-1", port: "/dev/pts/7", reader: "ascii", format: "printed" });

    await waitFor(() => expect(screen.getByTestId("kiosk-reader-state").textContent).toBe("已连接 /dev/pts/7（9600）"));
    await act(async () => {
      await emit("kiosk-swipe", {
        swipe_id: "w-9",
        status: "accepted",
        status_label: "签到成功",
        card_key: "ic:3201000010",
        name: "王伟",
        department: "心血管内科",
        swiped_at: "2026-12-02 08:01:02",
        counts: { accepted: 1, duplicate: 0, unknown_card: 0 },
      } satisfies KioskSwipe);
    });
    await waitFor(() => expect(screen.getByTestId("kiosk-confirmation").getAttribute("data-status")).toBe("accepted"));
    expect(screen.getByTestId("kiosk-name").textContent).toBe("王伟");
    expect(screen.getByTestId("kiosk-count-accepted").textContent).toContain("1");

    await act(async () => fireEvent.click(screen.getByTestId("kiosk-stop")));
    await screen.findByTestId("kiosk-start");
    expect(calls.some((c) => c.cmd === "kiosk_stop")).toBe(true);
  });
});
