// Keyboard-wedge readers "type" a card number as a fast burst of keystrokes, usually ending in
// Enter. This buffer tells such a burst from a person typing: it keeps the keys with their times,
// takes the number on Enter, and also ends a fast burst that has no Enter after a short pause.

export interface WedgeOptions {
  /** Longest gap between two keys of one reader burst (readers type every 5–30 ms). */
  maxGapMs: number;
  /** The pause after which a fast burst without Enter counts as complete. */
  idleMs: number;
  minLength: number;
}

export const WEDGE_DEFAULTS: WedgeOptions = { maxGapMs: 60, idleMs: 120, minLength: 4 };

export type WedgeResult = { card: string; fast: boolean } | null;

export class WedgeBuffer {
  private keys: { ch: string; at: number }[] = [];
  constructor(private readonly opts: WedgeOptions = WEDGE_DEFAULTS) {}

  /** Feeds one key (`Enter` or a single character) at time `at` (ms); returns a card when complete. */
  key(key: string, at: number): WedgeResult {
    if (key === "Enter") return this.take(true);
    if (key.length !== 1 || !/[0-9A-Za-z:]/.test(key)) return null;
    const last = this.keys[this.keys.length - 1];
    // A long gap starts a new number: half a number typed earlier must not prefix the next card.
    if (last && at - last.at > this.opts.maxGapMs && this.fast()) this.keys = [];
    this.keys.push({ ch: key, at });
    return null;
  }

  /** Called when no key came for `idleMs`: completes a fast burst that had no Enter. */
  idle(at: number): WedgeResult {
    const last = this.keys[this.keys.length - 1];
    if (!last || at - last.at < this.opts.idleMs || !this.fast()) return null;
    return this.take(false);
  }

  get pending(): string {
    return this.keys.map((k) => k.ch).join("");
  }

  clear(): void {
    this.keys = [];
  }

  /** Every gap of the burst so far is reader-fast. */
  private fast(): boolean {
    if (this.keys.length < 2) return false;
    for (let i = 1; i < this.keys.length; i++) if (this.keys[i].at - this.keys[i - 1].at > this.opts.maxGapMs) return false;
    return true;
  }

  private take(enter: boolean): WedgeResult {
    const card = this.pending;
    const fast = this.fast();
    this.keys = [];
    if (card.length < this.opts.minLength) return null;
    // With Enter, a slowly typed number (an officer keying a card by hand) is taken too.
    return enter || fast ? { card, fast } : null;
  }
}
