// Helpers that drive antd widgets the way a person does: click, type, pick from dropdowns.
import { sleep } from "./webdriver.mjs";

export const tid = (id) => `[data-testid="${id}"]`;

/** Types into an <input> found by test id, replacing what is there. */
export async function fill(s, id, text) {
  const el = await s.find(`input${tid(id)}, textarea${tid(id)}, ${tid(id)} input`);
  // WebDriver "clear" bypasses React's onChange, so the form would keep the old value: select all
  // and delete with keys instead, the way a person does.
  await el.click();
  await el.type("\uE009a\uE000\uE017");
  if (text !== "") await el.type(text);
  return el;
}

export async function click(s, selector) {
  const el = await s.find(selector);
  await el.click();
  return el;
}

/** Opens an antd Select / TreeSelect by test id and picks the visible option titled `label`. */
export async function pick(s, id, label) {
  // The test id sits on the search input (antd passes data-* there); click its selector box.
  await s.execute(
    `const el = document.querySelector(arguments[0]);
     const box = el && (el.closest('.ant-select') || el);
     box.querySelector('.ant-select-selector').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));`,
    [tid(id)],
  );
  const option = await s.find(
    `xpath://div[contains(@class,'ant-select-dropdown') and not(contains(@class,'ant-select-dropdown-hidden'))]//*[(contains(@class,'ant-select-item-option') or contains(@class,'ant-select-tree-node-content-wrapper')) and @title=${JSON.stringify(label)}]`,
  );
  await option.click();
  await sleep(150);
}

/** Waits until the page's visible text contains `text`. */
export async function waitText(s, text, timeout = 15000) {
  return s.waitFor(async () => (await s.pageText()).includes(text), `text "${text}"`, timeout);
}

/** The error messages antd shows under form fields, with the label of their field. */
export async function fieldErrors(s) {
  return s.execute(`return [...document.querySelectorAll('.ant-form-item-has-error')].map((item) => ({
      label: (item.querySelector('.ant-form-item-label') || {}).innerText || '',
      error: (item.querySelector('.ant-form-item-explain-error') || {}).innerText || '' }));`);
}

/** Waits for an antd toast and returns its text. */
export async function toast(s, timeout = 10000) {
  return s.waitFor(
    () => s.execute(`const m = document.querySelector('.ant-message-notice-content'); return m ? m.innerText : null;`),
    "a message toast",
    timeout,
  );
}
