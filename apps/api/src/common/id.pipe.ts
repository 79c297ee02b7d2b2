import { Injectable, PipeTransform } from '@nestjs/common';
import { NotFoundError } from '@labfleet/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that cannot exist is simply an unknown object: 404, like any other. */
@Injectable()
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly kind: string) {}

  transform(value: string): string {
    if (!UUID.test(value)) throw new NotFoundError(this.kind, value);
    return value.toLowerCase();
  }
}

export const LabId = new IdPipe('lab');
export const CourseId = new IdPipe('course');
export const SchoolId = new IdPipe('school');
export const UserId = new IdPipe('user');
export const TokenId = new IdPipe('API token');
export const TemplateId = new IdPipe('template');
export const ExerciseId = new IdPipe('exercise');
