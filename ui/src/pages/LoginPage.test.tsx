// 登录: a refused login shows the reason under the password; a good one hands the operator on.
import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import LoginPage from "./LoginPage";
import { apiError, mockCommands } from "../test/ipc";
import { renderPage } from "../test/render";
import { pagesFor } from "../api/session";

describe("登录", () => {
  it("shows the refusal, then signs in", async () => {
    const calls = mockCommands({
      login: (a) => {
        if (a.password !== "Desk-2026-ok") throw apiError("AUTHENTICATION_FAILED", "用户名或密码错误");
        return { username: "admin", display_name: "管理员", role: "admin", department_id: null };
      },
    });
    const onLogin = vi.fn();
    renderPage(<LoginPage dbPath="/tmp/desk.db" onLogin={onLogin} />);
    fireEvent.change(screen.getByTestId("login-username"), { target: { value: "admin" } });
    fireEvent.change(screen.getByTestId("login-password"), { target: { value: "wrong" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("login-submit"));
    });
    expect((await screen.findByTestId("login-error")).textContent).toBe("用户名或密码错误");
    expect(onLogin).not.toHaveBeenCalled();

    fireEvent.change(screen.getByTestId("login-password"), { target: { value: "Desk-2026-ok" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("login-submit"));
    });
    await waitFor(() => expect(onLogin).toHaveBeenCalledWith(expect.objectContaining({ username: "admin", role: "admin" })));
    expect(calls.map((c) => c.args)).toEqual([
      { username: "admin", password: "wrong" },
      { username: "admin", password: "Desk-2026-ok" },
    ]);
  });

  it("the role decides which menus show", () => {
    expect(pagesFor("admin")).toContain("audit_log");
    expect(pagesFor("viewer")).not.toContain("audit_log");
    expect(pagesFor("department_secretary")).toEqual(["staff", "projects"]);
  });
});
