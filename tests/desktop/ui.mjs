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

/** Types a date (or date and time) into an antd DatePicker and presses Enter, which commits it. */
export async function fillDate(s, id, text) {
  const el = await fill(s, id, text);
  await el.type("\uE007");
  await sleep(200);
  return el;
}

/**
 * Clicks like a person (a WebDriver click at the element's centre). While antd animates a dropdown
 * or modal in, WebDriver calls the element "not interactable": wait and retry, and as a last
 * resort fire the click from script (the event antd listens to).
 */
export async function click(s, selector) {
  return clickEl(s, await s.find(selector));
}

/** `click` for an element already found. */
export async function clickEl(s, el) {
  // antd swallows clicks on a button that still spins (`loading`), as it should: a person waits
  // for the spinner to stop, so wait too. Without this a second 确认授分 right after the first
  // one's toast could land while the button still spun, and nothing would happen.
  // (A stale element ends the wait: the click below reports it.)
  await s.waitFor(
    () =>
      s
        .execute(`return !arguments[0].closest('.ant-btn-loading');`, [{ "element-6066-11e4-a52e-4f735466cecf": el.id }])
        .catch(() => true),
    "the button to stop spinning",
  );
  for (let attempt = 0; ; attempt++) {
    try {
      await el.click();
      return el;
    } catch (e) {
      if (!/not interactable|intercept/.test(String(e.message))) throw e;
      if (attempt >= 8) {
        await s.execute(`arguments[0].click();`, [{ "element-6066-11e4-a52e-4f735466cecf": el.id }]);
        return el;
      }
      await sleep(250);
    }
  }
}

/**
 * Opens an antd Select / TreeSelect by test id, clicks the option titled `label`, and checks the
 * select shows it (a click during the dropdown's opening animation can miss: then it retries).
 */
export async function pick(s, id, label) {
  const shown = () =>
    s.execute(
      `const el = document.querySelector(arguments[0]); const box = el && (el.closest('.ant-select') || el);
       const item = box && box.querySelector('.ant-select-selection-item');
       return item ? (item.getAttribute('title') || item.textContent) : null;`,
      [tid(id)],
    );
  for (let attempt = 0; attempt < 4; attempt++) {
    // The test id sits on the search input (antd passes data-* there); open its selector box.
    await s.execute(
      `const el = document.querySelector(arguments[0]);
       const box = el && (el.closest('.ant-select') || el);
       if (!box.classList.contains('ant-select-open'))
         box.querySelector('.ant-select-selector').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));`,
      [tid(id)],
    );
    await sleep(300); // the dropdown slides in
    // Click the option from script: during the dropdown's slide-in WebDriver calls it "not
    // interactable"; the click event itself is what antd listens to.
    await s.waitFor(
      () =>
        s.execute(
          `const xp = arguments[0];
           const hit = document.evaluate(xp, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
           if (hit) { hit.click(); return true; }
           // antd renders a virtual list: only a screenful of options is in the DOM (妇产科 of a
           // long, fully expanded department tree is not). Scroll one screen on, wrapping at the
           // end; the next poll looks at the options the list rendered for it.
           // (Select: rc-virtual-list-holder; TreeSelect: ant-select-tree-list-holder.)
           const holder = document.querySelector('.ant-select-dropdown:not(.ant-select-dropdown-hidden) [class*="list-holder"]');
           if (holder) {
             const atEnd = holder.scrollTop + holder.clientHeight >= holder.scrollHeight - 1;
             holder.scrollTop = atEnd ? 0 : holder.scrollTop + Math.max(holder.clientHeight - 32, 32);
             holder.dispatchEvent(new Event('scroll'));
           }
           return false;`,
          [
            `//div[contains(@class,'ant-select-dropdown') and not(contains(@class,'ant-select-dropdown-hidden'))]//*[(contains(@class,'ant-select-item-option') or contains(@class,'ant-select-tree-node-content-wrapper')) and @title=${JSON.stringify(label)}]`,
          ],
        ),
      `option "${label}" in ${id}`,
    );
    await sleep(200);
    if ((await shown()) === label) return;
  }
  throw new Error(`could not pick "${label}" in ${id}; it shows "${await shown()}"`);
}

/** Waits until the page's visible text contains `text`. */
export async function waitText(s, text, timeout = 30000) {
  return s.waitFor(async () => (await s.pageText()).includes(text), `text "${text}"`, timeout);
}

/** The error messages antd shows under form fields, with the label of their field. */
export async function fieldErrors(s) {
  return s.execute(`return [...document.querySelectorAll('.ant-form-item-has-error')].map((item) => ({
      label: (item.querySelector('.ant-form-item-label') || {}).innerText || '',
      error: (item.querySelector('.ant-form-item-explain-error') || {}).innerText || '' }));`);
}

/**
 * Waits for an antd toast and returns its text. With `expected`, waits for a toast whose text
 * matches it: an earlier toast may still be on screen (antd keeps each for 3 s).
 */
export async function toast(s, expected = null, timeout = 30000) {
  // Every toast seen while waiting, so a timeout says what the app showed instead.
  const seen = new Set();
  try {
    return await s.waitFor(
      async () => {
        const texts = await s.execute(
          `return [...document.querySelectorAll('.ant-message-notice-content')].map((m) => m.innerText);`,
        );
        if (!texts || texts.length === 0) return null;
        texts.forEach((t) => seen.add(t));
        if (!expected) return texts[0];
        return texts.find((t) => expected.test(t)) || null;
      },
      expected ? `a message toast matching ${expected}` : "a message toast",
      timeout,
    );
  } catch (e) {
    throw new Error(`${e.message}; toasts seen: ${JSON.stringify([...seen])}`);
  }
}
