// Steps: which cameras are sending frames, and what the cameras record (check-ins, unknown sightings, recognitions,
// presentation attacks) with the retention of each, and the day's attendance summary. Closing the records waits for
// their writes: they are stored before the database goes away, and check-ins are in the outbox before the outbound
// closes.
import { CameraWatch } from '../attendance/camera-watch.js';
import { CheckInService, type Clock } from '../attendance/checkins.js';
import { DailySummary } from '../attendance/daily-summary.js';
import { RecognitionRecorder } from '../attendance/recognition-history.js';
import { SecurityEventRecorder } from '../attendance/security-events.js';
import { SightingRecorder, startSightingRetention } from '../attendance/sightings.js';
import type { Config } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log.js';
import { EventMetrics, type Registry } from '../metrics.js';
import type { Outbound } from '../outbound/outbound.js';
import type { Store } from '../store/types.js';

export function openCameraWatch(config: Config, bus: EventBus, clock: Clock): CameraWatch & { close(): void } {
  const watch = new CameraWatch({
    downAfterMs: config.CAMERA_DOWN_AFTER_MS,
    clock,
    onDown: (camera, lastFrameAt) => void bus.publish({ type: 'camera.down', camera, lastFrameAt, at: clock() }),
    onUp: (camera) => void bus.publish({ type: 'camera.up', camera, at: clock() }),
  });
  return Object.assign(watch, { close: () => watch.stop() });
}

export interface AttendanceDeps {
  config: Config;
  store: Store;
  bus: EventBus;
  outbound: Outbound;
  metrics: Registry;
  clock: Clock;
  log: Logger;
  modelId: string;
}

export interface Attendance {
  /** Null when CHECKINS_ENABLED is false. */
  checkins: CheckInService | null;
  sightings: SightingRecorder;
  history: RecognitionRecorder;
  security: SecurityEventRecorder;
  /** Waits for the writes in progress, then stops the retention timers. */
  close(): Promise<void>;
}

export function openAttendance({ config, store, bus, outbound, metrics, clock, log, modelId }: AttendanceDeps): Attendance {
  const events = new EventMetrics(metrics);
  const checkins = config.CHECKINS_ENABLED
    ? new CheckInService({
        checkIns: store.checkIns,
        cooldownMs: config.CHECKIN_COOLDOWN_MS,
        retryMs: config.CHECKIN_RETRY_MS,
        clock,
        log,
        onCheckIn: (checkin) => {
          events.checkIns.inc();
          void bus.publish({ type: 'checkin.recorded', checkin });
        },
        alreadyNoticeMs: config.ALREADY_CHECKED_IN_NOTICE_MS,
        onAlready: (checkin, camera) => void bus.publish({ type: 'checkin.already', checkin, camera }),
        outbox: outbound.checkinOutbox(),
      })
    : null;
  const sightings = new SightingRecorder(store.sightings, log, (s) => {
    events.unknownSightings.inc();
    const sighting = { ...s, firstSeenAt: s.firstSeenAt.getTime(), lastSeenAt: s.lastSeenAt.getTime() };
    void bus.publish({ type: 'sighting.stored', sighting });
  });
  const retention = startSightingRetention(store.sightings, {
    retentionDays: config.SIGHTINGS_RETENTION_DAYS,
    maxRows: config.SIGHTINGS_MAX_ROWS,
    everyMs: config.SIGHTINGS_PRUNE_EVERY_MS,
    clock,
    log,
  });
  // Presentation attacks refused on a camera that requires liveness: stored once per track, then webhooks and MQTT.
  const security = new SecurityEventRecorder(store.securityEvents, log, clock, (e) => {
    events.securityEvents.inc();
    void bus.publish({ type: 'security.stored', event: { ...e, at: e.at.getTime() } });
  });
  const securityRetention = startSightingRetention(store.securityEvents, {
    retentionDays: config.SECURITY_EVENTS_RETENTION_DAYS,
    maxRows: config.SECURITY_EVENTS_MAX_ROWS,
    everyMs: config.SIGHTINGS_PRUNE_EVERY_MS,
    clock,
    log,
    what: 'security events',
  });
  const history = new RecognitionRecorder(store.recognitions, modelId, log);
  const historyRetention = startSightingRetention(store.recognitions, {
    retentionDays: config.RECOGNITIONS_RETENTION_DAYS,
    maxRows: config.RECOGNITIONS_MAX_ROWS,
    dismissedKeepMs: config.RECOGNITIONS_UNDO_MS,
    everyMs: config.SIGHTINGS_PRUNE_EVERY_MS,
    clock,
    log,
    what: 'recognition history',
  });
  // The day's summary only means something where check-ins are recorded.
  const summary = config.CHECKINS_ENABLED
    ? new DailySummary({ repo: store.attendanceSummary, enqueue: (ev) => outbound.enqueue(ev), clock, at: config.ATTENDANCE_SUMMARY_AT, log })
    : null;
  summary?.start();
  return {
    checkins,
    sightings,
    history,
    security,
    async close() {
      // Check-ins and sightings already seen are written before the database goes away.
      await Promise.all([
        checkins?.whenIdle(),
        sightings.whenIdle(),
        retention.stop(),
        history.whenIdle(),
        historyRetention.stop(),
        security.whenIdle(),
        securityRetention.stop(),
        summary?.stop(),
      ]);
      checkins?.stop();
    },
  };
}
