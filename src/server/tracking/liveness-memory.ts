// The last antispoof/liveness scores of each visible track. The models run on some frames only (they cost ~50% of
// detection), so overlays show each track's most recent measurement. Pure state.

export interface LivenessScores {
  real: number;
  live: number;
}

export class LivenessMemory {
  private readonly byTrack = new Map<number, LivenessScores>();

  /** Records this frame's measured scores and forgets tracks no longer visible. */
  update(visible: { id: number; scores: { real?: number | null; live?: number | null } | undefined }[]): void {
    const ids = new Set(visible.map((v) => v.id));
    for (const id of this.byTrack.keys()) if (!ids.has(id)) this.byTrack.delete(id);
    for (const { id, scores } of visible) {
      if (scores?.real != null && scores.live != null) this.byTrack.set(id, { real: scores.real, live: scores.live });
    }
  }

  get(trackId: number): LivenessScores | null {
    return this.byTrack.get(trackId) ?? null;
  }
}
