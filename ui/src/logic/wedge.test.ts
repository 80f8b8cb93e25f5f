// Keyboard-wedge readers: a fast burst of keys is a card; a person typing is not, unless they end
// with Enter; a half burst never prefixes the next card.
import { describe, expect, it } from "vitest";
import { WedgeBuffer } from "./wedge";

function typeAt(w: WedgeBuffer, text: string, start: number, gap: number) {
  let t = start;
  const out = [];
  for (const ch of text) {
    out.push(w.key(ch, t));
    t += gap;
  }
  return { results: out.filter(Boolean), end: t - gap };
}

describe("WedgeBuffer", () => {
  it("takes a fast burst ended by Enter", () => {
    const w = new WedgeBuffer();
    const { end } = typeAt(w, "3201000010", 0, 8);
    expect(w.key("Enter", end + 8)).toEqual({ card: "3201000010", fast: true });
    expect(w.pending).toBe("");
  });

  it("takes a fast burst with no Enter once the reader goes quiet", () => {
    const w = new WedgeBuffer();
    const { end } = typeAt(w, "0012345678", 1000, 10);
    expect(w.idle(end + 50)).toBeNull(); // not quiet long enough yet
    expect(w.idle(end + 130)).toEqual({ card: "0012345678", fast: true });
  });

  it("does not take slow typing without Enter, but does with Enter", () => {
    const w = new WedgeBuffer();
    const { end } = typeAt(w, "12345", 0, 250);
    expect(w.idle(end + 1000)).toBeNull();
    expect(w.key("Enter", end + 1200)).toEqual({ card: "12345", fast: false });
  });

  it("a stray fast fragment does not prefix the next card", () => {
    const w = new WedgeBuffer();
    typeAt(w, "99", 0, 5); // noise: two fast keys
    const { end } = typeAt(w, "3201000011", 2000, 8);
    expect(w.key("Enter", end + 8)).toEqual({ card: "3201000011", fast: true });
  });

  it("ignores Enter alone, too-short numbers and non-character keys", () => {
    const w = new WedgeBuffer();
    expect(w.key("Enter", 0)).toBeNull();
    typeAt(w, "12", 10, 5);
    expect(w.key("Enter", 30)).toBeNull();
    expect(w.key("Shift", 40)).toBeNull();
    expect(w.pending).toBe("");
  });
});
