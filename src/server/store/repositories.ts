// Builds every repository over one drizzle handle: the database, or a transaction on it (Store.tx).
import { noCrash, type CrashAt } from '../crash-points.js';
import { attendanceSummaryRepo } from './attendance-summary-repo.js';
import { camerasRepo } from './cameras-repo.js';
import { checkInsRepo } from './checkins-repo.js';
import type { StoreDb } from './drizzle-db.js';
import { enrolmentRepo } from './enrolment-repo.js';
import { eventsRepo } from './events-repo.js';
import { reembedRepo } from './faces-reembed.js';
import { facesRepo } from './faces-repo.js';
import { galleryChangesRepo } from './gallery-changes-repo.js';
import { galleryRepo } from './gallery-repo.js';
import { integrationsRepo } from './integrations-repo.js';
import { gallerySnapshotRepo } from './gallery-snapshot.js';
import { jobsRepo } from './jobs-repo.js';
import { keysRepo } from './keys-repo.js';
import { outboxRepo } from './outbox-repo.js';
import { recognitionsRepo } from './recognitions-repo.js';
import { cameraPoliciesRepo } from './camera-policies-repo.js';
import { securityEventsRepo } from './security-events-repo.js';
import { peopleRepo } from './people-repo.js';
import { sightingsRepo } from './sightings-repo.js';
import type { Repositories } from './types.js';

export function createRepositories(db: StoreDb, crash: CrashAt = noCrash): Repositories {
  const people = peopleRepo(db);
  const faces = facesRepo(db);
  const enrolments = enrolmentRepo(db, crash);
  return {
    people,
    faces,
    enrolments,
    transfer: galleryRepo(db),
    changes: galleryChangesRepo(db),
    reembed: reembedRepo(db),
    snapshot: gallerySnapshotRepo(db),
    checkIns: checkInsRepo(db),
    sightings: sightingsRepo(db),
    events: eventsRepo(db),
    jobs: jobsRepo(db),
    keys: keysRepo(db),
    integrations: integrationsRepo(db),
    outbox: outboxRepo(db),
    recognitions: recognitionsRepo(db),
    cameras: camerasRepo(db),
    cameraPolicies: cameraPoliciesRepo(db),
    securityEvents: securityEventsRepo(db),
    attendanceSummary: attendanceSummaryRepo(db),
    listFaceTemplates: (modelId) => faces.templates(modelId),
    countFacesNotFromModel: (modelId) => faces.countNotFromModel(modelId),
    commitEnrolment: (input) => enrolments.commit(input),
    listPeople: () => people.listAll(),
    deletePerson: (id) => people.delete(id),
  };
}
