// 学分录入: the rule set's editable categories with their rate and caps; quantity for rated
// categories; the core's error lands on the field it names; the form sent holds what was typed.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import ManualCreditPage from "./ManualCreditPage";
import { apiError, mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { pickOption } from "../test/select";
import { staffRows } from "../test/fixtures";
import type { ManualCreditForm } from "../bindings/ManualCreditForm";
import "../test/credits"; // its 10 s wait for slow machines

const RULES = {
  id: "national-2024",
  categories: [
    { key: "self-study-review", parent: "self-study", name: "自学综述", class: null, subject: "professional", unit: "word", rate: { credits: 1, per: 2000 }, cap_per_record: null, cap_per_year: 5, evidence: ["综述全文"], entry: "editable" },
    { key: "remote", parent: null, name: "远程教育", class: null, subject: "professional", unit: null, rate: null, cap_per_record: null, cap_per_year: null, evidence: [], entry: "platform-only" },
  ],
};

describe("学分录入", () => {
  it("puts the core's error on its field, then saves and submits", async () => {
    const roster = staffRows(3);
    let first = true;
    const calls = mockCommands({
      list_staff: () => roster,
      rule_set_for_year: () => RULES,
      add_manual_credit: (a) => {
        if (first) {
          first = false;
          throw apiError("FIELD_REQUIRED", "activity_name 为必填项", "activity_name");
        }
        const form = a.form as ManualCreditForm;
        return { credit: { id: "m-1", staff_id: form.staff_id, activity_name: form.activity_name, credits: 2, hours: 0 }, form, trail: { status: "pending", department_approved: false, hospital_acted: false, steps: [] } };
      },
    });
    renderPage(<ManualCreditPage onChanged={() => {}} />);
    await pickOption("manual-staff", `${roster[1].name}（${roster[1].department_name}）`, screen.getByTestId);
    await pickOption("manual-category", "自学综述", screen.getByTestId);
    expect((await screen.findByTestId("manual-category-hint")).textContent).toBe("每 2000 字 1 学分，每年最多 5 学分");
    expect(screen.queryByText("远程教育")).toBeNull();
    fireEvent.change(screen.getByTestId("manual-quantity"), { target: { value: "4000" } });
    fireEvent.change(screen.getByTestId("manual-issuer"), { target: { value: "示例医学会" } });

    fireEvent.click(screen.getByTestId("manual-submit"));
    await screen.findByText("活动名称 为必填项", undefined, { timeout: 15000 });
    expect(document.querySelector(".ant-form-item-has-error")?.textContent).toContain("活动名称");

    fireEvent.change(screen.getByTestId("manual-name"), { target: { value: "冠心病介入治疗综述" } });
    fireEvent.click(screen.getByTestId("manual-submit"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "add_manual_credit")).toHaveLength(2), { timeout: 15000 });
    await screen.findByText(/已上报：2 学分/, undefined, { timeout: 15000 });
    const sent = calls.filter((c) => c.cmd === "add_manual_credit")[1].args;
    const form = sent.form as ManualCreditForm;
    expect(sent.mode).toBe("save-and-submit");
    expect(form).toMatchObject({ staff_id: "s-1", category: "self-study-review", activity_name: "冠心病介入治疗综述", quantity: 4000, credits: null, issuer: "示例医学会" });
    await waitFor(() => expect(screen.getByTestId("manual-saved").textContent).toContain("未审核"));
  });
});
