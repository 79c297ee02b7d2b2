import { Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { idleStopAt, lastActivity } from '@labfleet/domain';
import { CourseRepository, LabEntity } from '@labfleet/persistence';
import { LabActivityStore } from '@labfleet/queue';

/** A ready lab's idleness as the page shows it. */
export interface IdleState {
  readonly limitSeconds: number;
  readonly lastActivityAt: Date;
  /** Set once the lab was warned: it stops then unless used before. */
  readonly stopsAt: Date | null;
}

/** What the API records of a lab's use (for its course's idle limit), and tells of it. */
@Injectable()
export class LabActivityService {
  constructor(
    private readonly store: LabActivityStore,
    private readonly courses: CourseRepository,
    private readonly config: LabfleetConfig,
  ) {}

  /** The lab was used now (terminal input, exec, files, port proxy). Cheap: see `LabActivityStore.touch`. */
  touch(labId: string): void {
    this.store.touch(labId);
  }

  /** Null for a lab that is not ready or whose course has no idle limit; best effort (null when Redis does not answer). */
  async idleOf(lab: LabEntity): Promise<IdleState | null> {
    if (lab.status !== LabStatus.Ready || !lab.courseId) return null;
    const course = await this.courses.findById(lab.courseId);
    if (!course?.idleLimitSeconds) return null;
    const activity = (await this.store.read([lab.id]).catch(() => null))?.get(lab.id);
    if (!activity) return null;
    const idle = { limitSeconds: course.idleLimitSeconds, since: lab.claimedAt ?? lab.readyAt ?? lab.createdAt, ...activity };
    return { limitSeconds: idle.limitSeconds, lastActivityAt: lastActivity(idle), stopsAt: idleStopAt(idle, this.config.idle.warningSeconds) };
  }
}
