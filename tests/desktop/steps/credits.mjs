// Credits flow on the demo hospital (issue 5's pages): 达标统计 baseline → 考勤分析 of a held
// project with swipes → 授分 preview then grant (twice: nothing new) → 个人学分 shows the credit →
// 学分录入 with a field error first, then with evidence → 学分审核 approve → 达标统计 changed,
// drill-down to a department's people → 个人学分 撤销 of the manual credit.
export const NAME = "credits";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { click, clickEl, fieldErrors, fill, pick, tid, toast, waitText } from "../ui.mjs";
import { sleep } from "../webdriver.mjs";

/** Opens a searchable select the way pick does (a click on its input can be intercepted while the
 * page settles), types the search text, then picks the option titled `label`. */
async function searchPick(s, id, text, label) {
  await s.execute(
    `const box = document.querySelector(arguments[0]).closest('.ant-select');
     if (!box.classList.contains('ant-select-open'))
       box.querySelector('.ant-select-selector').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));`,
    [tid(id)],
  );
  await sleep(300);
  await (await s.find(`input${tid(id)}, ${tid(id)} input`)).type(text);
  await pick(s, id, label);
}

const totalCredits = (s) =>
  s.execute(`const e = document.querySelector('[data-testid="compliance-total-credits"] .ant-statistic-content');
     return e ? Number(e.innerText.replace(/,/g, '')) : null;`);

export async function run({ s, step, shots, metrics, tmp }) {
  const m = {};
  await step("达标统计 shows the hospital and its departments (baseline)", async () => {
    await click(s, tid("menu-compliance"));
    await s.find(tid("compliance-departments"), 20000);
    // Wrapped: a fresh demo hospital counts 0 credits, which waitFor would take for "not yet".
    m.before = (await s.waitFor(async () => { const v = await totalCredits(s); return v === null ? null : { v }; }, "total credits", 20000)).v;
    await waitText(s, "达标率");
    await shots.take(s, "credits-compliance-before");
  });

  await step("考勤分析 of a held project: valid people and the reasons of the others", async () => {
    await click(s, tid("menu-attendance"));
    await s.find(tid("attendance-page"));
    await s.execute(
      `document.querySelector('[data-testid="attendance-project"]').closest('.ant-select').querySelector('.ant-select-selector').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));`,
    );
    const opt = await s.find(`xpath://div[contains(@class,'ant-select-dropdown') and not(contains(@class,'ant-select-dropdown-hidden'))]//div[contains(@class,'ant-select-item-option') and contains(@title,'已举办')]`);
    m.project = await opt.attribute("title");
    await pick(s, "attendance-project", m.project);
    const summary = await s.find(tid("attendance-summary"), 20000);
    const text = await summary.text();
    const valid = Number(/有效\s*(\d+)\s*人/.exec(text)?.[1] ?? 0);
    const invalid = Number(/无效\s*(\d+)\s*人/.exec(text)?.[1] ?? 0);
    assert.ok(valid > 0, `valid people in ${text}`);
    assert.ok(invalid > 0, `invalid people in ${text}`);
    await click(s, tid("attendance-only-invalid"));
    const reasons = await s.waitFor(
      () => s.execute(`return [...document.querySelectorAll('[data-testid="attendance-reason"]')].map((e) => e.textContent).filter(Boolean);`),
      "reasons of invalid people",
    );
    assert.ok(reasons.some((r) => /刷卡周期|未登记|举办周期|重复/.test(r)), reasons.join(" / "));
    m.attendance = { valid, invalid };
    await shots.take(s, "credits-attendance");
  });

  await step("授分: preview first, then grant; granting again adds nothing", async () => {
    await click(s, tid("menu-grant"));
    await s.find(tid("grant-page"));
    await pick(s, "grant-project", m.project);
    await click(s, tid("grant-preview"));
    const summary = await (await s.find(tid("grant-summary"), 20000)).text();
    const n = Number(/将授分\s*(\d+)\s*人/.exec(summary)?.[1] ?? 0);
    // "Any counted swipe in the period" also grants people who missed a window: every analysed
    // staff member is either granted or listed with a reason.
    const notGranted = Number(/未授分\s*(\d+)\s*人/.exec(summary)?.[1] ?? -1);
    assert.ok(n >= m.attendance.valid, `${summary} (valid ${m.attendance.valid})`);
    assert.equal(n + notGranted, m.attendance.valid + m.attendance.invalid, summary);
    m.person = await s.execute(`const tds = document.querySelectorAll('[data-testid="grant-credits"] tbody tr.ant-table-row')[0].querySelectorAll('td');
       return { name: tds[0].innerText, dept: tds[1].innerText, credits: Number(tds[3].innerText) };`);
    await shots.take(s, "credits-grant-preview");
    await click(s, tid("grant-confirm"));
    assert.match(await toast(s, /已授分/), new RegExp(`已授分 ${n} 人（新增 ${n}，`));
    await click(s, tid("grant-confirm"));
    // The first toast may still show: wait for the one that says nothing was added.
    assert.match(await toast(s, /新增 0，更新 0，未变/), new RegExp(`已授分 ${n} 人（新增 0，更新 0，未变 ${n}）`));
    await shots.take(s, "credits-grant-done");
  });

  await step("个人学分 shows the granted credit, the result and the gap", async () => {
    await click(s, tid("menu-person_credits"));
    await s.find(tid("person-credits-page"));
    await searchPick(s, "person-staff", m.person.name, `${m.person.name}（${m.person.dept}）`);
    await s.find(tid("person-summary"), 20000);
    const projectName = m.project.split(" ").slice(1).join(" ").replace(/（[^（]*）$/, "");
    await waitText(s, projectName);
    const total = Number(await (await s.find(tid("person-total-credits"))).text());
    assert.ok(total >= m.person.credits, `counted ${total} ≥ granted ${m.person.credits}`);
    assert.match(await (await s.find(tid("person-gap"))).text(), /学分差|学时差|无/);
    await shots.take(s, "credits-person");
  });

  const activity = "急性心肌梗死溶栓治疗进展综述";
  await step("学分录入: the core's error on its field, then save and submit with evidence", async () => {
    await click(s, tid("menu-manual_credit"));
    await s.find(tid("manual-credit-page"));
    await searchPick(s, "manual-staff", m.person.name, `${m.person.name}（${m.person.dept}）`);
    await pick(s, "manual-category", "发表论文和综述");
    await waitText(s, "每 1 篇 2 学分");
    await fill(s, "manual-quantity", "1");
    await fill(s, "manual-issuer", "示例医学杂志");
    await click(s, tid("manual-submit"));
    const errors = await s.waitFor(async () => {
      // antd fades the message in: wait until the field's error has its text.
      const e = await fieldErrors(s);
      return e.length && e.every((x) => x.error) ? e : null;
    }, "a field error with its text");
    assert.ok(errors.some((e) => e.label.includes("活动名称") && e.error.length > 0), JSON.stringify(errors));
    await shots.take(s, "credits-manual-error");
    await fill(s, "manual-name", activity);
    const file = path.join(tmp, "期刊封面.txt");
    writeFileSync(file, "示例医学杂志 2026 年第 11 期 封面\n");
    const input = await s.find(`${tid("manual-evidence")} input[type=file], .ant-upload input[type=file]`);
    await input.type(file);
    await waitText(s, "期刊封面.txt");
    await click(s, tid("manual-submit"));
    assert.match(await toast(s, /已上报/), /已上报：2 学分/);
    await shots.take(s, "credits-manual-saved");
  });

  await step("学分审核: the hospital approves the submitted credit", async () => {
    await click(s, tid("menu-credit_review"));
    await s.find(tid("credit-review-page"));
    await waitText(s, activity, 20000);
    await click(s, tid("review-skip-department"));
    await shots.take(s, "credits-review");
    const row = await s.find(`xpath://tr[contains(@class,'ant-table-row') and .//td[contains(.,${JSON.stringify(activity)})]]//button[@data-testid='review-approve']`);
    await clickEl(s, row);
    assert.match(await toast(s, new RegExp(`${activity}：通过`)), /通过/);
    await click(s, tid("review-tab-annual"));
    await s.find(tid("annual-summary"));
    await waitText(s, "医院初审截止");
    await shots.take(s, "credits-annual-review");
  });

  await step("达标统计 counts the new credits; drill-down shows a department's people and gaps", async () => {
    await click(s, tid("menu-compliance"));
    await s.find(tid("compliance-departments"), 20000);
    const after = await s.waitFor(async () => {
      const t = await totalCredits(s);
      return t !== null && t > m.before ? t : null;
    }, "total credits to grow", 20000);
    assert.ok(after >= m.before + 2, `granted and manual credits counted: ${m.before} → ${after}`);
    await shots.take(s, "credits-compliance-after");
    const dept = await s.find(`xpath://div[@data-testid='compliance-departments']//tr[contains(@class,'ant-table-row') and td[1][normalize-space(.)=${JSON.stringify(m.person.dept)}]]`);
    await clickEl(s, dept);
    await s.find(tid("compliance-drill-title"));
    await s.find(tid("compliance-person"), 20000);
    await shots.take(s, "credits-compliance-drill");
    metrics.credits = { ...m.attendance, before: m.before, after };
    console.log(`     credits: ${m.attendance.valid} valid, ${m.attendance.invalid} invalid; hospital counted credits ${m.before} → ${after}`);
  });

  await step("个人学分: 撤销 the approved manual credit with a reason; it stays listed, no longer counted", async () => {
    await click(s, tid("menu-person_credits"));
    await s.find(tid("person-credits-page"));
    await searchPick(s, "person-staff", m.person.name, `${m.person.name}（${m.person.dept}）`);
    await s.find(tid("person-summary"), 20000);
    await waitText(s, activity, 20000);
    const before = Number(await (await s.find(tid("person-total-credits"))).text());
    const revoke = await s.find(`xpath://div[@data-testid='person-credits']//tr[contains(@class,'ant-table-row') and .//td[contains(.,${JSON.stringify(activity)})]]//button[starts-with(@data-testid,'revoke-')]`);
    await clickEl(s, revoke);
    await fill(s, "revoke-reason", "重复录入");
    await click(s, tid("revoke-confirm"));
    assert.match(await toast(s, /已撤销/), new RegExp(`已撤销：${activity}`));
    const after = await s.waitFor(async () => {
      const t = Number(await (await s.find(tid("person-total-credits"))).text());
      return t < before ? t : null;
    }, "the person's counted credits to fall", 20000);
    // The paper was worth 2 credits; the person's counted total falls by what it counted for.
    assert.ok(after <= before - 1, `counted ${before} → ${after}`);
    console.log(`     个人学分 after 撤销: counted credits ${before} → ${after}`);
    await waitText(s, "已撤销：重复录入");
    await shots.take(s, "credits-person-revoked");
  });
}
