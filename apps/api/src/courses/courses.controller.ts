import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CoursesService } from '@labfleet/accounts';
import { Caller } from '@labfleet/domain';
import { JobName, LabJobsService } from '@labfleet/queue';
import { CurrentCaller } from '../auth/caller.decorator';
import { CourseId } from '../common/id.pipe';
import { CoursePolicyDto, CourseView, CreateCourseDto, ListCoursesQuery } from './courses.dto';

@ApiTags('courses')
@ApiBearerAuth()
@Controller('courses')
export class CoursesController {
  constructor(
    private readonly courses: CoursesService,
    private readonly jobs: LabJobsService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: CourseView, description: 'School admins, in their school' })
  async create(@CurrentCaller() caller: Caller, @Body() body: CreateCourseDto): Promise<CourseView> {
    const { schoolId, name, ...policy } = body;
    return CourseView.of(await this.courses.create(caller, schoolId, name, policy));
  }

  @Get()
  @ApiOkResponse({ type: [CourseView], description: 'The courses you teach or take, or administer' })
  async list(@CurrentCaller() caller: Caller, @Query() query: ListCoursesQuery): Promise<CourseView[]> {
    return (await this.courses.list(caller, query.schoolId)).map(CourseView.of);
  }

  @Get(':id')
  @ApiOkResponse({ type: CourseView })
  async get(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string): Promise<CourseView> {
    return CourseView.of(await this.courses.get(caller, id));
  }

  @Patch(':id/policy')
  @ApiOkResponse({ type: CourseView, description: 'Teachers of the course and school admins set its limits' })
  async updatePolicy(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Body() body: CoursePolicyDto): Promise<CourseView> {
    return CourseView.of(await this.courses.updatePolicy(caller, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "School admins delete a course with no running lab (409 otherwise): its members, timetable, ended labs' history, and its images in the course registry (removed by a worker soon after)" })
  async remove(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string): Promise<void> {
    await this.courses.remove(caller, id);
    // Reconcile removes them too, should this ask be lost.
    await this.jobs.platform(JobName.PurgeCourseRegistry);
  }
}
