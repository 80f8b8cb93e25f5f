// 学分审核: waiting manual credits with approve / return (reason required) at the reviewer's level;
// 年度审验 shows the deadline and marks people for the health bureau.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import CreditReviewPage, { reviewRows } from "./CreditReviewPage";
import { mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { staffRows } from "../test/fixtures";
import { stored } from "../test/credits";
import type { YearStatus } from "../bindings/YearStatus";

const CREDITS = [
  stored({}),
  stored({ id: "m-1", source: "manual", activity_name: "冠心病介入治疗综述", review_status: "pending", staff_id: "s-1" }),
  stored({ id: "m-2", source: "manual", activity_name: "进修", review_status: "approved", staff_id: "s-2" }),
];

const STATUS: YearStatus = {
  calendar: { cme_year: 2026, initial_review_by: "2026-09-10", configured: false },
  initial_review_open: false,
  people: [{ staff_id: "s-1", name: "测试乙", department_id: "d-xnk", awaiting_review: 1, approved: 0, returned_or_rejected: 0, review: null }],
  awaiting_review: 1,
  marked: 0,
  bureau_recorded: 0,
};

describe("学分审核", () => {
  it("lists only waiting manual credits unless asked", () => {
    expect(reviewRows(CREDITS, true).map((c) => c.id)).toEqual(["m-1"]);
    expect(reviewRows(CREDITS, false).map((c) => c.id)).toEqual(["m-1", "m-2"]);
  });

  it("approves at hospital level without the department when ticked; a return needs a reason", async () => {
    const calls = mockCommands({
      list_staff: () => staffRows(3),
      list_credits: () => CREDITS,
      annual_review_status: () => STATUS,
      review_credit: (a) => ({ credit: { ...CREDITS[1] }, form: {}, trail: { status: a.decision === "approve" ? "approved" : "returned", department_approved: false, hospital_acted: true, steps: [] } }),
      mark_for_bureau: () => ({ marked: [], skipped: [{ staff_id: "s-1", code: "ANNUAL_REVIEW_PENDING", reason_zh: "尚有 1 条学分待医院初审" }] }),
    });
    renderPage(<CreditReviewPage onChanged={() => {}} changes={0} />);
    await screen.findByText("冠心病介入治疗综述");
    fireEvent.click(screen.getByTestId("review-return"));
    const okButton = () => document.getElementById("review-ok") as HTMLButtonElement;
    await waitFor(() => expect(okButton().disabled).toBe(true));
    fireEvent.change(screen.getByTestId("review-reason"), { target: { value: "缺少证明材料" } });
    fireEvent.click(okButton());
    await waitFor(() => expect(calls.find((c) => c.cmd === "review_credit")).toBeTruthy());
    expect(calls.find((c) => c.cmd === "review_credit")!.args).toEqual({ creditId: "m-1", decision: "return", reason: "缺少证明材料", skipDepartment: false });

    fireEvent.click(screen.getByTestId("review-skip-department"));
    fireEvent.click(screen.getByTestId("review-approve"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "review_credit")).toHaveLength(2));
    expect(calls.filter((c) => c.cmd === "review_credit")[1].args).toEqual({ creditId: "m-1", decision: "approve", reason: null, skipDepartment: true });

    fireEvent.click(screen.getByTestId("review-tab-annual"));
    expect((await screen.findByTestId("annual-summary")).textContent).toContain("2026-09-10（默认）");
    fireEvent.click(screen.getByTestId("annual-mark-all"));
    await screen.findByText("已报卫生局 0 人，未报 1 人（如：尚有 1 条学分待医院初审）");
    expect(calls.find((c) => c.cmd === "mark_for_bureau")!.args).toEqual({ year: new Date().getFullYear(), staffIds: [], departmentId: null });
  });
});
