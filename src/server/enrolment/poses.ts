// Guided capture: head poses an enrolment asks for (straight, slightly left, slightly right), classified by yaw,
// and the rule that keeps the kept views spread over the poses rather than N copies of one.
import type { Pose } from '../../shared/protocol.js';

/** Human's yaw is negative when the head turns to the person's own left (the camera sees the face turn to image right). */
export function classifyPose(yaw: number, turnYaw: number): Pose {
  if (yaw <= -turnYaw) return 'left';
  if (yaw >= turnYaw) return 'right';
  return 'straight';
}

export const POSE_PROMPTS: Record<Pose, string> = {
  straight: 'look straight at the camera',
  left: 'turn your head slightly to your left',
  right: 'turn your head slightly to your right',
};

/** Tracks which of the planned poses have a view; decides whether one more view of a pose may be taken. */
export class PosePlan {
  private readonly counts = new Map<Pose, number>();
  private readonly dropped: Pose[] = [];
  /** The poses still planned: the asked-for ones less those skipped. */
  poses: readonly Pose[];

  /** `poses` empty = no guidance (any pose is fine). */
  constructor(
    poses: readonly Pose[],
    readonly required: number,
  ) {
    this.poses = [...poses];
  }

  /**
   * Stops asking for `pose` (it could not be captured in time): any other planned pose fills its slot. Skipping the
   * last one leaves no guidance, so any pose is taken.
   */
  skip(pose: Pose): void {
    if (!this.poses.includes(pose) || (this.counts.get(pose) ?? 0) > 0) return;
    this.poses = this.poses.filter((p) => p !== pose);
    this.dropped.push(pose);
  }

  skipped(): Pose[] {
    return [...this.dropped];
  }

  done(): Pose[] {
    return this.poses.filter((p) => (this.counts.get(p) ?? 0) > 0);
  }

  missing(): Pose[] {
    return this.poses.filter((p) => (this.counts.get(p) ?? 0) === 0);
  }

  /** The pose to prompt for next: the first one without a view, else null (any of them will do). */
  wanted(): Pose | null {
    return this.missing()[0] ?? null;
  }

  /**
   * A view of `pose` may be taken when that pose is still missing, or when enough slots remain after it for every
   * missing pose. With fewer views than poses, any planned pose is fine until the slots run out.
   */
  accepts(pose: Pose, taken: number): boolean {
    if (this.poses.length === 0) return true;
    if (!this.poses.includes(pose)) return false;
    const missing = this.missing();
    if (missing.includes(pose)) return true;
    const slotsAfter = this.required - taken - 1;
    return slotsAfter >= Math.min(missing.length, this.required - taken);
  }

  record(pose: Pose): void {
    this.counts.set(pose, (this.counts.get(pose) ?? 0) + 1);
  }
}
