// The one hint an enrolment page shows: the refusal seen most often over the last few seconds, not the last frame's, and
// kept until another is clearly more frequent, so the prompt does not flip between two reasons ("blurred" / "same
// view") every second while the person holds still.
import type { GateCode } from '../../shared/protocol.js';

export interface Hint {
  code: GateCode;
  reason: string;
}

interface Refusal extends Hint {
  at: number;
}

export class RefusalWindow {
  private recent: Refusal[] = [];
  private readonly totals = new Map<GateCode, number>();
  /** The hint shown last: it stays while it is still at least half as frequent as the most frequent one. */
  private shown: GateCode | null = null;

  constructor(private readonly windowMs = 3000) {}

  add(code: GateCode, reason: string, at: number): void {
    this.recent.push({ code, reason, at });
    this.totals.set(code, (this.totals.get(code) ?? 0) + 1);
  }

  /** The most frequent refusal within the window before `now` (ties: the latest), with its latest wording. */
  hint(now: number): Hint | null {
    this.recent = this.recent.filter((r) => now - r.at <= this.windowMs);
    const counts = new Map<GateCode, { n: number; last: Refusal }>();
    for (const r of this.recent) counts.set(r.code, { n: (counts.get(r.code)?.n ?? 0) + 1, last: r });
    let best: { n: number; last: Refusal } | null = null;
    for (const c of counts.values()) if (!best || c.n > best.n || (c.n === best.n && c.last.at >= best.last.at)) best = c;
    const kept = this.shown ? counts.get(this.shown) : undefined;
    if (kept && best && 2 * kept.n >= best.n) best = kept;
    this.shown = best?.last.code ?? null;
    return best ? { code: best.last.code, reason: best.last.reason } : null;
  }

  /** The refusal seen most often over the whole enrolment, for the result of one that ran out of time. */
  mostFrequent(): GateCode | null {
    let best: [GateCode, number] | null = null;
    for (const e of this.totals) if (!best || e[1] > best[1]) best = e;
    return best?.[0] ?? null;
  }
}
