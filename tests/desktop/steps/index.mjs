// Extra e2e flows, one module per page or workflow. Each exports
// `run({ s, driver, step, shots, metrics, tmp, demoDb, PASSWORD, STAFF })` and runs inside
// the signed-in demo-hospital session (section B of e2e.mjs), after the core workflow.
// Keep one import and one list entry per line so parallel additions merge cleanly.
import * as credits from "./credits.mjs";
import * as sync from "./sync.mjs";
import * as print from "./print.mjs";
import * as importWizard from "./import.mjs";
import * as kiosk from "./kiosk.mjs";
import * as backup from "./backup.mjs";

export default [
  credits,
  sync,
  print,
  importWizard,
  kiosk,
  // Last: it restores a backup, undoing what the flows before it wrote.
  backup,
];
