// 授分: the preview shows who gets what before anything is written; unticking asks for a reason
// and previews again; confirming sends exactly the previewed request.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import GrantPage from "./GrantPage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { pickOption } from "../test/select";
import { staffRows } from "../test/fixtures";
import { PREVIEW, PROJECT } from "../test/credits";
import type { GrantRequest } from "../bindings/GrantRequest";

describe("授分", () => {
  it("previews, unticks with a reason, then grants the same request", async () => {
    const roster = staffRows(4);
    const calls = mockCommands({
      list_staff: () => roster,
      list_projects: () => [PROJECT],
      preview_grant: () => PREVIEW,
      grant_credits: () => ({ ...PREVIEW, saved: { inserted: 2, updated: 0, unchanged: 0 } }),
    });
    renderPage(<GrantPage onChanged={() => {}} />);
    await pickOption("grant-project", `${PROJECT.code} ${PROJECT.name}（已举办）`, screen.getByTestId);
    expect((screen.getByTestId("grant-confirm") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("grant-preview"));
    const summary = await screen.findByTestId("grant-summary");
    expect(summary.textContent).toBe("将授分 2 人，共 3.5 学分；未授分 1 人");
    expect(screen.getByText("第 2 个刷卡周期（下午签退）内无刷卡")).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "grant_credits")).toHaveLength(0);

    fireEvent.click(screen.getAllByTestId("grant-untick")[1]);
    fireEvent.change(await screen.findByTestId("untick-reason"), { target: { value: "疑似代刷卡" } });
    fireEvent.click(document.getElementById("untick-ok")!);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "preview_grant")).toHaveLength(2));
    const second = calls.filter((c) => c.cmd === "preview_grant")[1].args.request as GrantRequest;
    expect(second.exclusions).toEqual([{ staff_id: "s-3", reason: "疑似代刷卡" }]);
    expect(second.strategy).toEqual({ strategy: "any-attendance-full" });

    await waitFor(() => expect((screen.getByTestId("grant-confirm") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("grant-confirm"));
    await screen.findByText("已授分 2 人（新增 2，更新 0，未变 0）");
    const granted = calls.find((c) => c.cmd === "grant_credits")!.args;
    expect(granted).toEqual({ projectId: "p-1", request: second });
  });
});
