// The kiosk's sounds, made with Web Audio (no sound files to ship): one high beep for accepted,
// two for a duplicate, a low long tone for an unknown card.
export type Tone = "accepted" | "duplicate" | "unknown_card" | "error";

const PATTERNS: Record<Tone, { hz: number; ms: number; gap: number; times: number }> = {
  accepted: { hz: 1320, ms: 120, gap: 0, times: 1 },
  duplicate: { hz: 880, ms: 90, gap: 80, times: 2 },
  unknown_card: { hz: 330, ms: 450, gap: 0, times: 1 },
  error: { hz: 220, ms: 600, gap: 0, times: 1 },
};

let ctx: AudioContext | null = null;

/** Plays the tone; silently does nothing where there is no audio device (tests, Xvfb). */
export function beep(tone: Tone): void {
  try {
    const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return;
    ctx ??= new Ctor();
    const p = PATTERNS[tone];
    let t = ctx.currentTime;
    for (let i = 0; i < p.times; i++) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = p.hz;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + p.ms / 1000);
      t += (p.ms + p.gap) / 1000;
    }
  } catch {
    /* no audio: the colours and text still confirm */
  }
}
