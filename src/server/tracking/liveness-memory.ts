// The latest presentation-attack score (MiniFASNet's "real" probability) of each visible track. Faces are scored on
// some frames only (enrolment views, and faces being named on a camera that requires liveness), so overlays show each
// track's most recent measurement. Pure state.

export class LivenessMemory {
  private readonly byTrack = new Map<number, number>();

  /** Records this frame's measured scores (null or absent: not measured) and forgets tracks no longer visible. */
  update(visible: { id: number; real: number | null | undefined }[]): void {
    const ids = new Set(visible.map((v) => v.id));
    for (const id of this.byTrack.keys()) if (!ids.has(id)) this.byTrack.delete(id);
    for (const { id, real } of visible) if (real != null && Number.isFinite(real)) this.byTrack.set(id, real);
  }

  /** The track's latest score, or null if it was never measured while in view. */
  get(trackId: number): number | null {
    return this.byTrack.get(trackId) ?? null;
  }
}
