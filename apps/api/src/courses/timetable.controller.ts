import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TimetableService } from '@labfleet/accounts';
import { Caller } from '@labfleet/domain';
import type { TimetableSlotEntity } from '@labfleet/persistence';
import { CurrentCaller } from '../auth/caller.decorator';
import { CourseId } from '../common/id.pipe';
import { TimetableDto } from '../pools/pools.dto';

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const view = (s: TimetableSlotEntity) => ({ id: s.id, weekday: s.weekday, start: hhmm(s.startMinute), end: hhmm(s.endMinute), expectedStudents: s.expectedStudents, template: s.template?.name ?? s.templateId });

/** A course's weekly sessions (in its school's time zone): the warm pool pre-warms for them. */
@ApiTags('courses')
@ApiBearerAuth()
@Controller('courses/:id/timetable')
export class TimetableController {
  constructor(private readonly timetable: TimetableService) {}

  @Get()
  @ApiOkResponse({ description: 'The sessions, by weekday and start' })
  async get(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string) {
    return { slots: (await this.timetable.get(caller, id)).map(view) };
  }

  @Put()
  @ApiOkResponse({ description: 'Replaces the whole timetable' })
  async replace(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Body() body: TimetableDto) {
    return { slots: (await this.timetable.replace(caller, id, body.slots)).map(view) };
  }
}
