// The one hint an enrolment page shows: the refusal seen most often over the last second, not the last frame's, so
// the prompt does not flip between two reasons every frame ("blurred" / "same view") while the person holds still.
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

  constructor(private readonly windowMs = 1000) {}

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
    return best ? { code: best.last.code, reason: best.last.reason } : null;
  }

  /** The refusal seen most often over the whole enrolment, for the result of one that ran out of time. */
  mostFrequent(): GateCode | null {
    let best: [GateCode, number] | null = null;
    for (const e of this.totals) if (!best || e[1] > best[1]) best = e;
    return best?.[0] ?? null;
  }
}
