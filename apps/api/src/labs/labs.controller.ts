import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CourseRegistryService, LabActivityService, LabsService } from '@labfleet/lab-lifecycle';
import { Caller } from '@labfleet/domain';
import type { LabEntity } from '@labfleet/persistence';
import { CurrentCaller } from '../auth/caller.decorator';
import { LabId } from '../common/id.pipe';
import { CreateLabDto, ExtendLabDto } from './dto/create-lab.dto';
import { ExecLabDto, ExecResultView } from './dto/exec-lab.dto';
import { idleView, LabEventView, LabPageView, LabView } from './dto/lab.view';
import { ListLabsQuery } from './dto/list-labs.query';

/** Labs: students act on their own, teachers on their courses', admins on their school's; anything else is 404. */
@ApiTags('labs')
@ApiBearerAuth()
@Controller('labs')
export class LabsController {
  constructor(
    private readonly labs: LabsService,
    private readonly registry: CourseRegistryService,
    private readonly activity: LabActivityService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: LabView, description: 'The lab is recorded as pending; a worker provisions it. 409/429 name the course limit that says no' })
  async create(@CurrentCaller() caller: Caller, @Body() body: CreateLabDto): Promise<LabView> {
    return this.view(await this.labs.create(caller, body));
  }

  @Get()
  @ApiOkResponse({ type: LabPageView })
  async list(@CurrentCaller() caller: Caller, @Query() query: ListLabsQuery): Promise<LabPageView> {
    const page = await this.labs.list(caller, { statuses: query.status, courseId: query.course, ownerId: query.owner, limit: query.limit, offset: query.offset });
    return { items: page.items.map((lab) => LabView.of(lab, null, this.registryOf(lab))), total: page.total, limit: query.limit, offset: query.offset };
  }

  @Get(':id')
  @ApiOkResponse({ type: LabView })
  async get(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string): Promise<LabView> {
    return this.detail(await this.labs.get(caller, id));
  }

  @Get(':id/events')
  @ApiOkResponse({ type: [LabEventView], description: 'Every state change of the lab, oldest first' })
  async events(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string): Promise<LabEventView[]> {
    return (await this.labs.events(caller, id)).map(LabEventView.of);
  }

  @Delete(':id')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: LabView, description: 'The lab is stopping; a worker removes it' })
  async stop(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string): Promise<LabView> {
    return this.plainView(await this.labs.stop(caller, id));
  }

  @Post(':id/extend')
  @HttpCode(200)
  @ApiOkResponse({ type: LabView, description: 'The lab with its new expiresAt; 409/429 name the limit that says no' })
  async extend(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string, @Body() body: ExtendLabDto): Promise<LabView> {
    return this.detail(await this.labs.extend(caller, id, body.seconds));
  }

  @Post(':id/exec')
  @HttpCode(200)
  @ApiOkResponse({ type: ExecResultView })
  exec(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string, @Body() body: ExecLabDto): Promise<ExecResultView> {
    return this.labs.exec(caller, id, body);
  }

  private async view(lab: LabEntity): Promise<LabView> {
    return LabView.of(lab, await this.labs.queuePosition(lab), this.registryOf(lab));
  }

  private plainView(lab: LabEntity): LabView {
    return LabView.of(lab, null, this.registryOf(lab));
  }

  private registryOf(lab: LabEntity): string | null {
    return this.registry.namespaceOf(lab.courseId, lab.ownerId);
  }

  /** One lab, with its idleness: what its page shows. */
  private async detail(lab: LabEntity): Promise<LabView> {
    const [view, idle] = await Promise.all([this.view(lab), this.activity.idleOf(lab)]);
    return { ...view, idle: idleView(idle) };
  }
}
