// Identity voting: a track's name comes from its recent matches, so one bad embedding does not flip the label.

export interface Vote {
  /** null: the embedding matched nobody above the threshold. */
  personId: string | null;
  name: string | null;
  /** Similarity of the best candidate. */
  score: number;
  /** The best candidate whatever the verdict (null: empty gallery): a face just below the threshold still says whom it resembles. */
  bestPersonId?: string | null;
  /**
   * What the vote was decided from, kept with it so that it can be decided again when the gallery changes (the face has
   * not changed, the gallery has): recognition/pipeline.ts keeps the embedding there. The tracker never reads it.
   */
  evidence?: unknown;
}

export type IdentityState = 'pending' | 'recognized' | 'unknown';

export interface Identity {
  state: IdentityState;
  personId: string | null;
  name: string | null;
  score: number | null;
}

export const PENDING: Identity = { state: 'pending', personId: null, name: null, score: null };

/**
 * Majority vote over the recent votes. A strict majority decides; without one the previous identity holds
 * (hysteresis), so a label only changes when the evidence has really moved.
 */
export function decideIdentity(votes: Vote[], previous: Identity): Identity {
  if (votes.length === 0) return previous.state === 'pending' ? PENDING : previous;
  const tally = new Map<string | null, { count: number; scoreSum: number; name: string | null }>();
  for (const v of votes) {
    const t = tally.get(v.personId) ?? { count: 0, scoreSum: 0, name: v.name };
    t.count += 1;
    t.scoreSum += v.score;
    tally.set(v.personId, t);
  }
  let winner: string | null = null;
  let best: { count: number; scoreSum: number; name: string | null } | undefined;
  for (const [personId, t] of tally) {
    if (!best || t.count > best.count || (t.count === best.count && t.scoreSum > best.scoreSum)) {
      winner = personId;
      best = t;
    }
  }
  if (!best || best.count * 2 <= votes.length) return previous.state === 'pending' ? { ...PENDING } : previous;
  const score = best.scoreSum / best.count;
  return winner === null ? { state: 'unknown', personId: null, name: null, score } : { state: 'recognized', personId: winner, name: best.name, score };
}
