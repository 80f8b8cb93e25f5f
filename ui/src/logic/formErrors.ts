// Puts a command's error on the form field the core named, in Chinese; falls back to a toast.
import type { FormInstance } from "antd";
import { errorField, errorText } from "../api/errors";

/** Returns true when the error was shown on a field of `form`. */
export function showOnField(
  form: FormInstance,
  e: unknown,
  fieldAliases: Record<string, string> = {},
  fieldLabels: Record<string, string> = {},
): boolean {
  const raw = errorField(e);
  if (!raw) return false;
  const name = fieldAliases[raw] ?? raw;
  const known = Object.prototype.hasOwnProperty.call(form.getFieldsValue(true), name) || form.getFieldInstance(name) !== undefined;
  if (!known) return false;
  // A sentence that names the field by its key reads better with the form's label.
  const label = fieldLabels[raw];
  const text = label ? errorText(e).split(raw).join(label) : errorText(e);
  form.setFields([{ name, errors: [text] }]);
  return true;
}
