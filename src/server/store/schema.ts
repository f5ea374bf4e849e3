// Drizzle schema for the face gallery: people and their stored face embeddings (plus crops for re-embedding).
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, customType, index, integer, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * pg-core has no bytea column. PGlite returns bytea as Uint8Array and postgres.js as Buffer,
 * so reads are normalised to Buffer (a zero-copy view) for the rest of the code.
 */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType() {
    return 'bytea';
  },
  toDriver(value) {
    return value;
  },
  fromDriver(value) {
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  },
});

export const people = pgTable(
  'people',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Unique so enrolment under an existing name adds faces to that person rather than creating a twin.
    name: text('name').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // People are found by name ignoring case (people-repo.ts): without this, each lookup scanned the table, and an import
  // of 20,000 people took minutes. Not unique: a database written before names were compared this way may hold twins.
  (t) => [index('people_name_lower_idx').on(sql`lower(${t.name})`)],
);

export const faces = pgTable(
  'faces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    // Embeddings from different models are not comparable; the gallery is built per model id.
    modelId: text('model_id').notNull(),
    dims: integer('dims').notNull(),
    /** Float32 little-endian, `dims` values. */
    embedding: bytea('embedding').notNull(),
    /** Aligned JPEG crop, so the gallery can be re-embedded when the model changes. */
    crop: bytea('crop'),
    /**
     * Null: the embedding was made from the enrolment's own picture. A number: it was re-embedded at a model change from
     * the stored crop, this many px a side (150: a dlib chip, which cuts off the top of an ArcFace model's face crop).
     */
    embeddedFromCropPx: integer('embedded_from_crop_px'),
    quality: real('quality'),
    /** SHA-256 (hex) of the image file the face came from, when enrolled from a file: re-imports skip it. */
    sourceHash: text('source_hash'),
    /** What the enrolment gates measured on this view (src/server/enrolment/capture.ts ViewMeasures); null for older faces. */
    measures: jsonb('measures').$type<Record<string, number>>(),
    /** Soft gates an operator overruled to store this view ("use anyway"): [{ code, reason }]; null when none was. */
    overridden: jsonb('overridden').$type<{ code: string; reason: string }[]>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('faces_model_id_idx').on(t.modelId),
    index('faces_person_id_idx').on(t.personId),
    index('faces_person_source_hash_idx').on(t.personId, t.sourceHash),
    // The few faces re-embedded from a stored crop, by model: /api/v1/index and the library count them on every call,
    // which must not read every face of a million-face gallery.
    index('faces_reembedded_model_idx')
      .on(t.modelId, t.embeddedFromCropPx)
      .where(sql`${t.embeddedFromCropPx} IS NOT NULL`),
    // The database, not only the application, guarantees an embedding is exactly `dims` float32 values,
    // so a reader never has to guess how to decode it.
    check('faces_embedding_dims_check', sql`${t.dims} > 0 AND octet_length(${t.embedding}) = ${t.dims} * 4`),
    // Documented as 0..1; this also rejects NaN (which Postgres sorts above every number).
    check('faces_quality_range_check', sql`${t.quality} IS NULL OR (${t.quality} >= 0 AND ${t.quality} <= 1)`),
  ],
);

/** API keys for the REST API and the WebSocket. Only a hash is stored; the key itself is shown once at creation. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'operator', 'viewer'] }).notNull(),
    /** SHA-256 of the key, hex. */
    keyHash: text('key_hash').notNull().unique(),
    /** First characters of the key, so an operator can tell keys apart in listings. */
    prefix: text('prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [check('api_keys_role_check', sql`${t.role} IN ('admin', 'operator', 'viewer')`)],
);

/** Attendance: one row per person per cooldown window, whichever camera saw them first. */
export const checkIns = pgTable(
  'check_ins',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    score: real('score').notNull(),
    /** Camera or session label given in the client's hello. */
    camera: text('camera').notNull().default(''),
    /** The last time a camera recognized the person within this check-in's cooldown window; null = only at `at`. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  },
  (t) => [index('check_ins_person_at_idx').on(t.personId, t.at), index('check_ins_at_idx').on(t.at)],
);

/** Faces that stayed unknown: kept (with a crop and embedding) so an operator can promote or attach them later. */
export const unknownSightings = pgTable(
  'unknown_sightings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    camera: text('camera').notNull().default(''),
    modelId: text('model_id').notNull(),
    dims: integer('dims').notNull(),
    embedding: bytea('embedding').notNull(),
    /** Best view as a small JPEG. */
    crop: bytea('crop'),
    /** Similarity to the closest enrolled person (below the threshold, or it would not be unknown). */
    bestScore: real('best_score'),
    bestPersonId: uuid('best_person_id').references(() => people.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('unknown_sightings_last_seen_idx').on(t.lastSeenAt),
    check('unknown_sightings_embedding_dims_check', sql`${t.dims} > 0 AND octet_length(${t.embedding}) = ${t.dims} * 4`),
  ],
);

export const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;

/** Bulk import jobs, kept in the database so a restarted server resumes them (or says clearly that it could not). */
export const importJobs = pgTable(
  'import_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['zip', 'folder', 'gallery'] }).notNull(),
    /** What the operator gave: the zip's file name or the folder path. */
    source: text('source').notNull(),
    /** Where the job reads from: the stored upload or the folder. */
    sourcePath: text('source_path').notNull(),
    /** Person folders to skip (folder imports). */
    exclude: jsonb('exclude').$type<string[]>().notNull().default([]),
    /** The server that runs it (host and data directory): only that server can read the stored upload. */
    owner: text('owner').notNull(),
    state: text('state', { enum: JOB_STATES }).notNull().default('queued'),
    /** Runs started: more than 1 means it was resumed after a restart. */
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    total: integer('total').notNull().default(0),
    processed: integer('processed').notNull().default(0),
    accepted: integer('accepted').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    peopleCreated: integer('people_created').notNull().default(0),
    peopleUpdated: integer('people_updated').notNull().default(0),
    error: text('error'),
    /**
     * Gallery file jobs: the last line of the file whose person is committed, written in the same transaction as that
     * batch, so a restarted job reads on from here and adds nobody twice.
     */
    checkpointLine: integer('checkpoint_line').notNull().default(0),
  },
  (t) => [
    index('import_jobs_created_idx').on(t.createdAt),
    check('import_jobs_state_check', sql`${t.state} IN ('queued', 'running', 'done', 'failed')`),
    check('import_jobs_kind_check', sql`${t.kind} IN ('zip', 'folder', 'gallery')`),
  ],
);

/** One row per file of an import job: accepted, rejected or skipped, with the reason. */
export const importJobResults = pgTable(
  'import_job_results',
  {
    jobId: uuid('job_id')
      .notNull()
      .references(() => importJobs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    verdict: jsonb('verdict').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('import_job_results_job_seq_idx').on(t.jobId, t.seq)],
);

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
/** What a webhook POSTs: the signed JSON event, or a chat service's message (src/server/outbound/chat-formats.ts). */
export const WEBHOOK_FORMATS = ['json', 'slack', 'discord', 'telegram', 'ntfy'] as const;

/** Webhook endpoints: every event of a type in `eventTypes` is POSTed to `url`, signed with `secret` (HMAC-SHA256). */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  url: text('url').notNull(),
  /** Kept in the clear: the server needs it to sign. The REST API never returns it whole. */
  secret: text('secret').notNull(),
  eventTypes: jsonb('event_types').$type<string[]>().notNull(),
  format: text('format', { enum: WEBHOOK_FORMATS }).notNull().default('json'),
  /** Only events from these camera labels; null: every camera. */
  cameras: jsonb('cameras').$type<string[]>(),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Days whose attendance summary was sent: the one server that inserts a day's row sends it (src/server/attendance/daily-summary.ts). */
export const attendanceSummaries = pgTable('attendance_summaries', {
  /** The server's local date, YYYY-MM-DD. */
  day: text('day').primaryKey(),
  sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
});

/** The MQTT connection: one row (id 1), written over REST. */
export const mqttSettings = pgTable(
  'mqtt_settings',
  {
    id: integer('id').primaryKey(),
    enabled: boolean('enabled').notNull().default(false),
    url: text('url').notNull(),
    username: text('username'),
    password: text('password'),
    topicPrefix: text('topic_prefix').notNull().default('facestream'),
    discoveryPrefix: text('discovery_prefix').notNull().default('homeassistant'),
    /** Home Assistant MQTT discovery on or off. */
    discovery: boolean('discovery').notNull().default(true),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('mqtt_settings_single_row', sql`${t.id} = 1`)],
);

/** Events on their way out: written with (or right after) what they report, deleted after every target has them. */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    /** The idempotency key receivers see. */
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outbox_events_created_idx').on(t.createdAt)],
);

/** One row per event and target (a webhook, or the MQTT broker): its delivery state and retry schedule. */
export const outboxDeliveries = pgTable(
  'outbox_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Queue order: each target gets its events in the order they were written. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => outboxEvents.id, { onDelete: 'cascade' }),
    /** The webhook; null for the MQTT broker. */
    webhookId: uuid('webhook_id').references(() => webhooks.id, { onDelete: 'cascade' }),
    target: text('target', { enum: ['webhook', 'mqtt'] }).notNull(),
    state: text('state', { enum: DELIVERY_STATES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When it is next tried; a claimed delivery is pushed out by a lease, so a killed server's claim is tried again. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    lastStatus: integer('last_status'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('outbox_deliveries_due_idx').on(t.state, t.nextAttemptAt, t.seq),
    index('outbox_deliveries_event_idx').on(t.eventId),
    index('outbox_deliveries_webhook_idx').on(t.webhookId, t.createdAt),
    check('outbox_deliveries_state_check', sql`${t.state} IN ('pending', 'delivered', 'failed')`),
    check('outbox_deliveries_target_check', sql`(${t.target} = 'webhook') = (${t.webhookId} IS NOT NULL)`),
  ],
);

/** Recent recognitions of known people (one per track), with the face as seen: for review ("not them", "add to them"). */
export const recognitions = pgTable(
  'recognitions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    camera: text('camera').notNull().default(''),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
    score: real('score').notNull(),
    modelId: text('model_id').notNull(),
    dims: integer('dims').notNull(),
    embedding: bytea('embedding').notNull(),
    /** The aligned face as a small JPEG. */
    crop: bytea('crop'),
    /** "Not them": hidden and never made a face; restorable for RECOGNITIONS_UNDO_MS, then deleted by retention. */
    dismissedAt: timestamp('dismissed_at', { withTimezone: true }),
  },
  (t) => [
    index('recognitions_person_seen_idx').on(t.personId, t.seenAt),
    index('recognitions_camera_seen_idx').on(t.camera, t.seenAt),
    index('recognitions_seen_idx').on(t.seenAt),
    check('recognitions_embedding_dims_check', sql`${t.dims} > 0 AND octet_length(${t.embedding}) = ${t.dims} * 4`),
  ],
);

/**
 * Cameras the server pulls frames from itself (RTSP, MJPEG over HTTP, a local video device), as opposed to browser
 * cameras that push frames over the WebSocket. `name` is the camera label check-ins and sightings carry, like a
 * socket camera's hello `camera`. `url` may hold credentials (user:pass@): only the camera manager reads it whole.
 */
export const cameras = pgTable(
  'cameras',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique(),
    url: text('url').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Frames a second taken from the stream at most (ffmpeg's fps filter); the rest are never decoded. */
    maxFps: real('max_fps').notNull().default(5),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('cameras_max_fps_check', sql`${t.maxFps} > 0 AND ${t.maxFps} <= 30`)],
);

/**
 * Per-camera recognition policy, by camera label: a server camera's name or a socket camera's hello `camera` (the
 * label check-ins carry). A camera without a row follows the server's settings (RECOGNITION_REQUIRE_LIVE).
 */
export const cameraPolicies = pgTable('camera_policies', {
  camera: text('camera').primaryKey(),
  /** The presentation-attack stage must find a face live before it is named or checked in on this camera. */
  requireLive: boolean('require_live').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Presentation attacks the live path refused (one per track): the face as seen, the camera, the scores, and who the
 * face would have been named as. Bounded by SECURITY_EVENTS_RETENTION_DAYS / SECURITY_EVENTS_MAX_ROWS.
 */
export const securityEvents = pgTable(
  'security_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull().default('presentation_attack'),
    camera: text('camera').notNull().default(''),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** The closest enrolled person (null with an empty gallery). */
    personId: uuid('person_id').references(() => people.id, { onDelete: 'set null' }),
    /** Their name when it happened (kept when the person is deleted or renamed). */
    personName: text('person_name'),
    /** Similarity of the closest enrolled person (null with an empty gallery). */
    similarity: real('similarity'),
    /** The similarity reached the match threshold: the face would have been named as that person. */
    wouldBeNamed: boolean('would_be_named').notNull().default(false),
    /** The last checked frame's MiniFASNet mean "real" probability. */
    liveScore: real('live_score').notNull(),
    /** Frames of the track the stage checked, and how many of them scored as attacks. */
    framesChecked: integer('frames_checked').notNull(),
    attackFrames: integer('attack_frames').notNull(),
    /** The aligned face as a small JPEG. */
    crop: bytea('crop'),
  },
  (t) => [
    index('security_events_at_idx').on(t.at),
    index('security_events_camera_at_idx').on(t.camera, t.at),
    check('security_events_kind_check', sql`${t.kind} IN ('presentation_attack')`),
  ],
);

/**
 * The gallery's change log: one row per change of faces or people that other servers must follow (faces added or
 * removed, a person renamed, merged or removed, a rebuild), written in the transaction that made the change. `seq` is
 * given as max + 1 under a transaction lock (gallery-changes-repo.ts), so sequences have no holes and commit in
 * order: a server that applied through N and reads `seq > N` misses nothing. Old rows are pruned (GALLERY_CHANGELOG_KEEP).
 */
export const galleryChanges = pgTable('gallery_changes', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  change: jsonb('change').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});
