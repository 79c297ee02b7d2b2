import { Injectable } from '@nestjs/common';
import { Caller, InvalidInputError } from '@labfleet/domain';
import { AuditRepository, PoolRepository, TemplateRepository, TimetableSlotEntity } from '@labfleet/persistence';
import { CoursesService } from './courses.service';

export interface SlotInput {
  readonly weekday: number;
  /** `HH:MM`, in the school's time zone. */
  readonly start: string;
  readonly end: string;
  readonly expectedStudents: number;
  readonly template: string;
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** A course's weekly sessions, which the warm pool pre-warms for. */
@Injectable()
export class TimetableService {
  constructor(
    private readonly courses: CoursesService,
    private readonly pools: PoolRepository,
    private readonly templates: TemplateRepository,
    private readonly audit: AuditRepository,
  ) {}

  async get(caller: Caller, courseId: string): Promise<TimetableSlotEntity[]> {
    await this.courses.get(caller, courseId);
    return this.pools.courseSlots(courseId);
  }

  async replace(caller: Caller, courseId: string, slots: readonly SlotInput[]): Promise<TimetableSlotEntity[]> {
    const course = await this.courses.managed(caller, courseId);
    const rows = [];
    for (const [i, slot] of slots.entries()) {
      const template = await this.templates.findByName(slot.template);
      if (!template) throw new InvalidInputError(`slots[${i}].template: unknown template '${slot.template}'`);
      const [start, end] = [minutes(slot.start), slot.end === '24:00' ? 1440 : minutes(slot.end)];
      if (end <= start) throw new InvalidInputError(`slots[${i}]: end (${slot.end}) must be after start (${slot.start})`);
      rows.push({ templateId: template.id, weekday: slot.weekday, startMinute: start, endMinute: end, expectedStudents: slot.expectedStudents });
    }
    await this.pools.replaceCourseSlots(courseId, rows);
    await this.audit.log(caller, 'course.timetable-changed', { type: 'course', id: courseId, schoolId: course.schoolId }, { slots: slots.length });
    return this.pools.courseSlots(courseId);
  }
}
