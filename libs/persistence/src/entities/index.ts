import { ApiTokenEntity } from './api-token.entity';
import { AuditEventEntity } from './audit-event.entity';
import { CourseEntity } from './course.entity';
import { ExerciseAttemptEntity } from './exercise-attempt.entity';
import { ExerciseProgressEntity } from './exercise-progress.entity';
import { ExerciseEntity } from './exercise.entity';
import { IdentityEntity } from './identity.entity';
import { LabEventEntity } from './lab-event.entity';
import { LabNodeEntity } from './lab-node.entity';
import { LabEntity } from './lab.entity';
import { MembershipEntity } from './membership.entity';
import { MinuteGrantEntity } from './minute-grant.entity';
import { PoolEntity } from './pool.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SchoolEntity } from './school.entity';
import { TemplateDefinition, TemplateEntity } from './template.entity';
import { TemplateVersionEntity } from './template-version.entity';
import { TimetableSlotEntity } from './timetable-slot.entity';
import { UserEntity } from './user.entity';

export {
  ApiTokenEntity,
  AuditEventEntity,
  CourseEntity,
  ExerciseAttemptEntity,
  ExerciseEntity,
  ExerciseProgressEntity,
  IdentityEntity,
  LabEventEntity,
  LabNodeEntity,
  LabEntity,
  MembershipEntity,
  MinuteGrantEntity,
  PoolEntity,
  RefreshTokenEntity,
  SchoolEntity,
  TemplateEntity,
  TemplateVersionEntity,
  TimetableSlotEntity,
  UserEntity,
};
export type { TemplateDefinition };
export const ENTITIES = [
  SchoolEntity,
  UserEntity,
  IdentityEntity,
  CourseEntity,
  MembershipEntity,
  MinuteGrantEntity,
  RefreshTokenEntity,
  ApiTokenEntity,
  AuditEventEntity,
  TemplateEntity,
  TemplateVersionEntity,
  PoolEntity,
  TimetableSlotEntity,
  LabEntity,
  LabNodeEntity,
  LabEventEntity,
  ExerciseEntity,
  ExerciseAttemptEntity,
  ExerciseProgressEntity,
];
