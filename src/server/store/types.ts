// The storage port: what the rest of the server gets from the database, as repositories. Implemented with drizzle
// over PGlite or PostgreSQL (db.ts); nothing outside store/ sees drizzle.
import type { AttendanceSummaryRepo } from './attendance-summary-repo.js';
import type { CameraPoliciesRepo } from './camera-policies-repo.js';
import type { CamerasRepo } from './cameras-repo.js';
import type { CheckInsRepo } from './checkins-repo.js';
import type { EnrolmentRepo } from './enrolment-repo.js';
import type { EventsRepo } from './events-repo.js';
import type { ReembedRepo } from './faces-reembed.js';
import type { FacesRepo } from './faces-repo.js';
import type { GalleryChangesRepo } from './gallery-changes-repo.js';
import type { GalleryRepo } from './gallery-repo.js';
import type { GallerySnapshotRepo } from './gallery-snapshot.js';
import type { JobsRepo } from './jobs-repo.js';
import type { IntegrationsRepo } from './integrations-repo.js';
import type { KeysRepo } from './keys-repo.js';
import type { NotifyChannels } from './notify-channels.js';
import type { OutboxRepo } from './outbox-repo.js';
import type { RecognitionsRepo } from './recognitions-repo.js';
import type { PeopleRepo } from './people-repo.js';
import type { EnrolmentCommit, EnrolmentResult, FaceTemplate, Person } from './records.js';
import type { SecurityEventsRepo } from './security-events-repo.js';
import type { SightingsRepo } from './sightings-repo.js';

export type { EnrolmentCommit, EnrolmentResult, FaceTemplate, NewFace, Person } from './records.js';
export type { NotifyChannels } from './notify-channels.js';

/** Every repository, over the database or over one transaction (Store.tx). */
export interface Repositories {
  people: PeopleRepo;
  faces: FacesRepo;
  enrolments: EnrolmentRepo;
  /** Whole-gallery export and import. */
  transfer: GalleryRepo;
  /** The gallery's change log, which other servers follow (gallery/sync.ts). */
  changes: GalleryChangesRepo;
  reembed: ReembedRepo;
  /** The faces of a model without embeddings: what a saved gallery index is checked against at start. */
  snapshot: GallerySnapshotRepo;
  checkIns: CheckInsRepo;
  sightings: SightingsRepo;
  events: EventsRepo;
  jobs: JobsRepo;
  keys: KeysRepo;
  /** Webhook endpoints and the MQTT connection. */
  integrations: IntegrationsRepo;
  /** Events on their way to webhooks and MQTT. */
  outbox: OutboxRepo;
  /** Recent recognitions of known people, with their faces, for review. */
  recognitions: RecognitionsRepo;
  /** Server-pulled cameras (RTSP, MJPEG over HTTP, local devices). */
  cameras: CamerasRepo;
  /** Per-camera recognition policies (require liveness), by camera label. */
  cameraPolicies: CameraPoliciesRepo;
  /** Presentation attacks refused on the live path, with their faces. */
  securityEvents: SecurityEventsRepo;
  /** A day's attendance for its summary, and which days' summaries were sent. */
  attendanceSummary: AttendanceSummaryRepo;

  /** Every face embedding made by `modelId`, with its person (faces.templates). */
  listFaceTemplates(modelId: string): Promise<FaceTemplate[]>;
  /** Count of faces stored under other model ids (faces.countNotFromModel). */
  countFacesNotFromModel(modelId: string): Promise<number>;
  /** Person (found by exact name, or created) and all faces in one transaction (enrolments.commit). */
  commitEnrolment(input: EnrolmentCommit): Promise<EnrolmentResult>;
  /** people.listAll. */
  listPeople(): Promise<Person[]>;
  /** True when the person existed (people.delete). */
  deletePerson(personId: string): Promise<boolean>;
}

export interface Store extends Repositories {
  readonly kind: 'pglite' | 'postgres';
  /** LISTEN/NOTIFY between servers on one PostgreSQL; null on PGlite (one process: nothing to tell). */
  readonly channels: NotifyChannels | null;
  /** Runs `fn` in one transaction, with repositories bound to it: all its writes commit together or none does. */
  tx<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
