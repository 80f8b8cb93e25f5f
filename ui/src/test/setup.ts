// Vitest setup: jsdom lacks matchMedia/ResizeObserver that antd needs; IPC mocks reset per test.
import { afterEach } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, configure } from "@testing-library/react";

Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
if (!("ResizeObserver" in window)) {
  Object.defineProperty(window, "ResizeObserver", { writable: true, value: ResizeObserverStub });
}
// antd reads computed styles for scrollbars; jsdom's getComputedStyle does not take pseudo elements.
const realGetComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => realGetComputedStyle(elt);

// waitFor/findBy give up after 1 s by default; antd re-renders on a loaded 2-core CI machine have
// taken longer (the 导入 wizard's second check failed there). The bound catches hangs, not speed.
configure({ asyncUtilTimeout: 15000 });

afterEach(() => {
  cleanup();
  clearMocks();
});
