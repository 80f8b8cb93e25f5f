// The one door to the shell: every failure becomes an ApiError with a stable code; the UI's
// Chinese comes from the core's message or, failing that, from the code (never parsed text).
import { describe, expect, it } from "vitest";
import { call, ApiError } from "./invoke";
import { errorField, errorText, errorTitle } from "./errors";
import { apiError, mockCommands } from "../test/ipc";
import { mockIPC } from "@tauri-apps/api/mocks";

describe("call", () => {
  it("passes arguments and returns the result", async () => {
    const calls = mockCommands({ staff_detail: (a) => ({ id: a.id }) });
    await expect(call("staff_detail", { id: "s-1" })).resolves.toEqual({ id: "s-1" });
    expect(calls).toEqual([{ cmd: "staff_detail", args: { id: "s-1" } }]);
  });

  it("turns the shell's {code, message, field} into an ApiError", async () => {
    mockCommands({ create_staff: () => { throw apiError("ID_NUMBER_CHECKSUM", "身份证号校验位错误，应为 X", "id_number"); } });
    const e = (await call("create_staff").catch((x) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.code, e.field, errorText(e), errorField(e)]).toEqual(["ID_NUMBER_CHECKSUM", "id_number", "身份证号校验位错误，应为 X", "id_number"]);
  });

  it("gives anything else the IPC_FAILED code", async () => {
    mockIPC(() => { throw "command not allowed by capability"; });
    const e = (await call("list_staff").catch((x) => x)) as ApiError;
    expect(e.code).toBe("IPC_FAILED");
    expect(errorField(e)).toBeNull();
  });
});

describe("error texts", () => {
  it("falls back to the code's title when the message is empty", () => {
    expect(errorText(new ApiError({ code: "FORBIDDEN", message: "" }))).toBe("无权执行此操作");
    expect(errorTitle("SOMETHING_NEW")).toBe("操作失败");
  });
});
