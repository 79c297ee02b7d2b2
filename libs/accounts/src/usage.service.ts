import { Injectable } from '@nestjs/common';
import { CourseRole } from '@labfleet/contracts';
import { Caller, InvalidInputError, Period } from '@labfleet/domain';
import { CourseRepository, LabRepository } from '@labfleet/persistence';
import { CoursesService } from './courses.service';

export interface StudentUsage {
  readonly userId: string | null;
  readonly email: string;
  readonly name: string;
  readonly role: CourseRole | null;
  readonly labs: number;
  readonly minutes: number;
}

export interface CourseUsage {
  readonly courseId: string;
  readonly from: Date;
  readonly to: Date;
  readonly people: StudentUsage[];
}

const MAX_PERIOD_DAYS = 366;

/** Lab-minutes per person from the lab history, so it survives restarts and agrees with the budget. */
@Injectable()
export class UsageService {
  constructor(
    private readonly courses: CoursesService,
    private readonly courseRepository: CourseRepository,
    private readonly labs: LabRepository,
  ) {}

  async ofCourse(caller: Caller, courseId: string, period: Period): Promise<CourseUsage> {
    if (period.end <= period.start) throw new InvalidInputError('to must be after from');
    if (period.end.getTime() - period.start.getTime() > MAX_PERIOD_DAYS * 86_400_000) throw new InvalidInputError(`a period is at most ${MAX_PERIOD_DAYS} days`);
    await this.courses.managed(caller, courseId);
    const [used, members] = await Promise.all([this.labs.usageByOwner(courseId, period, new Date()), this.courseRepository.members(courseId)]);
    const people = new Map<string | null, StudentUsage & { seconds: number }>(
      members.map((m) => [m.userId, { userId: m.userId, email: m.user!.email, name: m.user!.name, role: m.role, labs: 0, minutes: 0, seconds: 0 }]),
    );
    for (const { ownerId: owner, labs, seconds } of used) {
      const entry = people.get(owner) ?? { userId: owner, email: '', name: owner ? '(no longer in the course)' : '(no owner)', role: null, labs: 0, minutes: 0, seconds: 0 };
      people.set(owner, { ...entry, labs: entry.labs + labs, seconds: entry.seconds + seconds });
    }
    const rows = [...people.values()].map(({ seconds: s, ...p }) => ({ ...p, minutes: Math.round(s / 6) / 10 }));
    return { courseId, from: period.start, to: period.end, people: rows.sort((a, b) => a.email.localeCompare(b.email)) };
  }
}
