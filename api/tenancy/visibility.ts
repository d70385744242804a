// What a caller may see: its own tenant's jobs (an admin: every tenant's). Another tenant's job answers
// exactly like an unknown id, so ids of other tenants cannot be probed.
import type { JobRecord } from '../../scheduler/job-record.ts';
import { ApiError, NotFoundError } from '../errors.ts';
import type { JobService } from '../job-service.ts';
import type { Principal } from '../principal.ts';
import { isAdmin } from './caller.ts';

export type Viewer = Pick<Principal, 'role' | 'tenant'>;

export function seesJob(viewer: Viewer, job: JobRecord): boolean {
  return isAdmin(viewer) || job.tenant === viewer.tenant;
}

/** The one 404 for a job id: the same for an id that does not exist and for another tenant's. */
export function jobNotFound(id: string): NotFoundError {
  return new NotFoundError(`no job with id "${id}"`);
}

/** The job, if it exists and the viewer may see it. */
export async function visibleJob(
  jobs: JobService,
  viewer: Viewer,
  id: string,
): Promise<JobRecord | undefined> {
  const job = await jobs.get(id);
  return job && seesJob(viewer, job) ? job : undefined;
}

/** The job the viewer may see, else the 404 of an unknown id. */
export async function requireVisibleJob(jobs: JobService, viewer: Viewer, id: string): Promise<JobRecord> {
  const job = await visibleJob(jobs, viewer, id);
  if (!job) throw jobNotFound(id);
  return job;
}

/**
 * The tenant a listing is limited to: a non-admin's own (asking for another is a 403 naming `tenant`);
 * an admin's `requested` one, or none (every tenant).
 */
export function listingTenant(viewer: Viewer, requested: string | undefined): string | undefined {
  if (isAdmin(viewer)) return requested;
  if (requested !== undefined && requested !== viewer.tenant) {
    const message = `only an admin may list another tenant's jobs; yours is "${viewer.tenant}"`;
    throw new ApiError(403, 'Forbidden', `tenant: ${message}`, [{ field: 'tenant', message }]);
  }
  return viewer.tenant;
}
