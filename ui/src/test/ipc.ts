// Test helper over `@tauri-apps/api/mocks`: answer the app's commands from a table, record every
// call (name + arguments) so a test can assert what the page sent, and fail loudly on a command
// the table does not know (a page calling something unexpected is a bug, not a silent undefined).
import { mockIPC } from "@tauri-apps/api/mocks";

export type Handler = (args: Record<string, unknown>) => unknown;

export interface Recorded {
  cmd: string;
  args: Record<string, unknown>;
}

export function mockCommands(handlers: Record<string, Handler>): Recorded[] {
  const calls: Recorded[] = [];
  mockIPC(
    async (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      const h = handlers[cmd];
      if (!h) throw { code: "TEST_UNKNOWN_COMMAND", message: `no mock for ${cmd}`, field: null };
      return h(a);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** The `{code, message, field}` shape the Rust shell rejects with. */
export const apiError = (code: string, message: string, field: string | null = null) => ({ code, message, field });
