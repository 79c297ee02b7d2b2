import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CoursesService, UsageService, usageCsv } from '@labfleet/accounts';
import { Caller, InvalidInputError, weekOf } from '@labfleet/domain';
import { CurrentCaller } from '../auth/caller.decorator';
import { CourseId, UserId } from '../common/id.pipe';
import { GrantMinutesDto, MemberView, RosterResultView, SetMemberDto, UsageQuery, UsageView } from './courses.dto';

/** Who is in a course, their extra minutes, and what they used: for its teachers and school admins. */
@ApiTags('courses')
@ApiBearerAuth()
@Controller('courses/:id')
export class CourseMembersController {
  constructor(
    private readonly courses: CoursesService,
    private readonly usage: UsageService,
  ) {}

  @Get('members')
  @ApiOkResponse({ type: [MemberView] })
  async members(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string): Promise<MemberView[]> {
    return (await this.courses.members(caller, id)).map(MemberView.of);
  }

  @Put('members/:userId')
  @ApiOkResponse({ type: MemberView, description: 'Adds the account to the course, or changes its role there' })
  async setMember(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Param('userId', UserId) userId: string, @Body() body: SetMemberDto): Promise<MemberView> {
    const membership = await this.courses.addMember(caller, id, userId, body.role);
    return MemberView.of({ ...membership, user: undefined });
  }

  @Delete('members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse()
  removeMember(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Param('userId', UserId) userId: string): Promise<void> {
    return this.courses.removeMember(caller, id, userId);
  }

  @Post('roster')
  @HttpCode(200)
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'email,name\nana@school.example,Ana Martin\n' } })
  @ApiOkResponse({ type: RosterResultView, description: 'A broken file is a 400 and imports nothing' })
  async roster(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Req() req: Request): Promise<RosterResultView> {
    if (typeof req.body !== 'string') throw new InvalidInputError('send the roster as the request body with Content-Type: text/csv');
    const outcomes = await this.courses.importRoster(caller, id, req.body);
    const pick = (o: string) => outcomes.filter((x) => x.outcome === o);
    return { created: pick('created'), existing: pick('existing'), rejected: pick('rejected') };
  }

  @Post('grants')
  @ApiCreatedResponse({ description: 'Extra lab-minutes for one student, this week' })
  async grant(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Body() body: GrantMinutesDto) {
    const g = await this.courses.grantMinutes(caller, id, body.userId, body.minutes, body.reason ?? '');
    return { id: g.id, userId: g.userId, minutes: g.minutes, weekStart: g.weekStart.toISOString(), grantedBy: g.grantedBy, reason: g.reason };
  }

  @Get('usage')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: UsageView, description: 'Lab-minutes per person in the period, from the lab history' })
  async usageOf(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Query() query: UsageQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    const start = query.from ? new Date(query.from) : weekOf(new Date()).start;
    const end = query.to ? new Date(query.to) : new Date(start.getTime() + 7 * 86_400_000);
    const usage = await this.usage.ofCourse(caller, id, { start, end });
    if (query.format === 'csv' || (!query.format && req.accepts(['application/json', 'text/csv']) === 'text/csv')) {
      res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="usage-${id}-${start.toISOString().slice(0, 10)}.csv"`);
      res.send(usageCsv(usage));
      return;
    }
    res.json({ courseId: id, from: usage.from.toISOString(), to: usage.to.toISOString(), people: usage.people });
  }
}
