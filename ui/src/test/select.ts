// Drives an antd Select in jsdom: open it by its test id and click the option with this title.
import { fireEvent, waitFor } from "@testing-library/react";

export async function pickOption(testId: string, label: string, screenGet: (id: string) => HTMLElement) {
  const input = screenGet(testId);
  const select = input.closest(".ant-select")!;
  fireEvent.mouseDown(select.querySelector(".ant-select-selector")!);
  const option = await waitFor(() => {
    const found = [...document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option")].find(
      (o) => o.getAttribute("title") === label,
    );
    if (!found) throw new Error(`option ${label} not shown`);
    return found;
  });
  fireEvent.click(option);
}
