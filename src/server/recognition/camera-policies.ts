// Per-camera recognition policy: whether a camera's faces must be found live (the presentation-attack stage) before
// they are named and checked in. A door or kiosk camera requires it while others need not; a camera without a policy
// of its own follows RECOGNITION_REQUIRE_LIVE. Keyed by camera label, the name check-ins carry: a server camera's
// name or a socket camera's hello `camera`, so both kinds are covered by one rule. Read on every frame, so it is held
// in memory and read again when it changes (here or, through the event bus, on another server).
import type { CameraPoliciesRepo } from '../store/camera-policies-repo.js';

/** Cameras with a policy of their own at most: past it a new one is refused (a label is free text from clients). */
export const MAX_CAMERA_POLICIES = 1000;

export interface CameraPolicy {
  camera: string;
  /** The camera's own setting, or null when it follows the server's default. */
  requireLive: boolean | null;
}

export type SetPolicyOutcome = { ok: true; policy: CameraPolicy } | { ok: false; reason: 'too_many' };

export interface CameraPolicyDeps {
  repo: Pick<CameraPoliciesRepo, 'list' | 'count' | 'set' | 'clear' | 'rename'>;
  /** RECOGNITION_REQUIRE_LIVE: the policy of every camera without its own. */
  defaultRequireLive: boolean;
  /** A policy changed here (the event bus tells the other servers, which call reload()). */
  onChanged?: () => void;
}

export class CameraPolicies {
  private byCamera = new Map<string, boolean>();

  constructor(private readonly deps: CameraPolicyDeps) {}

  get defaultRequireLive(): boolean {
    return this.deps.defaultRequireLive;
  }

  /** Reads every camera's policy from the database (at start, and when another server changed one). */
  async reload(): Promise<void> {
    const rows = await this.deps.repo.list();
    this.byCamera = new Map(rows.map((r) => [r.camera, r.requireLive]));
  }

  /** Whether `camera`'s faces must be found live: its own policy, else the server's default. A Map read per frame. */
  requireLive(camera: string): boolean {
    return this.byCamera.get(camera) ?? this.deps.defaultRequireLive;
  }

  /** The cameras with a policy of their own, by label. */
  list(): CameraPolicy[] {
    return [...this.byCamera]
      .map(([camera, requireLive]) => ({ camera, requireLive }))
      .sort((a, b) => (a.camera < b.camera ? -1 : a.camera > b.camera ? 1 : 0));
  }

  /** Sets a camera's own policy; null returns it to the server's default. */
  async set(camera: string, requireLive: boolean | null): Promise<SetPolicyOutcome> {
    if (requireLive === null) {
      if (await this.deps.repo.clear(camera)) this.changed();
      this.byCamera.delete(camera);
      return { ok: true, policy: { camera, requireLive: null } };
    }
    if (!this.byCamera.has(camera) && (await this.deps.repo.count()) >= MAX_CAMERA_POLICIES) return { ok: false, reason: 'too_many' };
    const row = await this.deps.repo.set(camera, requireLive);
    this.byCamera.set(camera, row.requireLive);
    this.changed();
    return { ok: true, policy: { camera, requireLive: row.requireLive } };
  }

  /** A server camera was renamed: its policy follows it (a door camera must not lose its check by a rename). */
  async rename(from: string, to: string): Promise<void> {
    if (!(await this.deps.repo.rename(from, to))) return;
    await this.reload();
    this.changed();
  }

  private changed(): void {
    this.deps.onChanged?.();
  }
}
