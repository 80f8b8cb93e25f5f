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

  it("asks for the database passphrase when the data key is wrapped with one", async () => {
    const calls = mockCommands({
      login: (a) => {
        if (a.dbPassphrase !== "院办口令2026") throw apiError("DB_PASSPHRASE_REQUIRED", "数据库密钥受口令保护，请输入数据库口令");
        return { username: "admin", display_name: "管理员", role: "admin", department_id: null };
      },
    });
    const onLogin = vi.fn();
    renderPage(<LoginPage dbPath="/tmp/desk.db" onLogin={onLogin} />);
    expect(screen.queryByTestId("login-db-passphrase")).toBeNull();
    fireEvent.change(screen.getByTestId("login-username"), { target: { value: "admin" } });
    fireEvent.change(screen.getByTestId("login-password"), { target: { value: "Desk-2026-ok" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("login-submit"));
    });
    expect((await screen.findByTestId("login-error")).textContent).toContain("数据库口令");
    fireEvent.change(await screen.findByTestId("login-db-passphrase"), { target: { value: "院办口令2026" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("login-submit"));
    });
    await waitFor(() => expect(onLogin).toHaveBeenCalled());
    expect(calls.map((c) => c.args)).toEqual([
      { username: "admin", password: "Desk-2026-ok" },
      { username: "admin", password: "Desk-2026-ok", dbPassphrase: "院办口令2026" },
    ]);
  });

  it("the role decides which menus show", () => {
    expect(pagesFor("admin")).toContain("audit_log");
    expect(pagesFor("viewer")).not.toContain("audit_log");
    expect(pagesFor("department_secretary")).toEqual(["staff", "projects", "manual_credit", "credit_review", "compliance", "person_credits"]);
    // Credits: granting needs GrantCredits (officer, admin); a viewer only reads.
    expect(pagesFor("officer")).toContain("grant");
    expect(pagesFor("viewer")).toEqual(["staff", "departments", "projects", "compliance", "person_credits"]);
  });
});
