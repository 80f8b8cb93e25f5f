// Synthetic, checksum-valid resident ID numbers (GB 11643) for the e2e: made-up people only.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = "10X98765432";

export function checkChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/** A valid number for a person of `gender` ("male" | "female"), born 1970–1999, area 110105. */
export function syntheticId(gender, rand = Math.random) {
  const y = 1970 + Math.floor(rand() * 30);
  const m = 1 + Math.floor(rand() * 12);
  const d = 1 + Math.floor(rand() * 28);
  let seq = Math.floor(rand() * 500) * 2 + (gender === "male" ? 1 : 0);
  if (seq > 999) seq -= 2;
  const first17 = `110105${y}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}${String(seq).padStart(3, "0")}`;
  return first17 + checkChar(first17);
}

/** The same number with a wrong check character. */
export function breakCheck(id) {
  const good = id[17];
  const bad = CHECK.split("").find((c) => c !== good && c !== "X");
  return id.slice(0, 17) + bad;
}

/** As the core masks it (`id_number::mask`): first four and last four characters stay. */
export function maskId(id) {
  return id.slice(0, 4) + "*".repeat(id.length - 8) + id.slice(-4);
}
