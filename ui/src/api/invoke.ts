// The one door from the UI to the Rust shell: every command goes through `call`, and every
// failure comes back as an `ApiError` with the core's stable code (never a parsed string).
import { invoke } from "@tauri-apps/api/core";

/** The error shape every desktop command returns: `{code, message, field}`. */
export interface ApiErrorShape {
  code: string;
  message: string;
  field?: string | null;
}

export class ApiError extends Error {
  readonly code: string;
  readonly field: string | null;
  constructor(shape: ApiErrorShape) {
    super(shape.message);
    this.code = shape.code;
    this.field = shape.field ?? null;
  }
}

function isShape(e: unknown): e is ApiErrorShape {
  return typeof e === "object" && e !== null && typeof (e as ApiErrorShape).code === "string";
}

/** Calls a Tauri command; rejects with `ApiError` only. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isShape(e)) throw new ApiError(e);
    // Anything else (IPC failure, a command missing from the capability) still gets a code.
    throw new ApiError({ code: "IPC_FAILED", message: String(e) });
  }
}
