import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { LabsService } from '@labfleet/lab-lifecycle';
import { CreateLabDto } from './dto/create-lab.dto';
import { ExecLabDto, ExecResultView } from './dto/exec-lab.dto';
import { LabEventView, LabPageView, LabView } from './dto/lab.view';
import { ListLabsQuery } from './dto/list-labs.query';
import { LabIdPipe } from './lab-id.pipe';

const ACTOR = 'admin-token';

@ApiTags('labs')
@ApiBearerAuth()
@Controller('labs')
export class LabsController {
  constructor(private readonly labs: LabsService) {}

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: LabView, description: 'The lab is recorded as pending; a worker provisions it' })
  async create(@Body() body: CreateLabDto): Promise<LabView> {
    return LabView.of(await this.labs.create(body.template, ACTOR));
  }

  @Get()
  @ApiOkResponse({ type: LabPageView })
  async list(@Query() query: ListLabsQuery): Promise<LabPageView> {
    const page = await this.labs.list({ statuses: query.status, limit: query.limit, offset: query.offset });
    return { items: page.items.map(LabView.of), total: page.total, limit: query.limit, offset: query.offset };
  }

  @Get(':id')
  @ApiOkResponse({ type: LabView })
  async get(@Param('id', LabIdPipe) id: string): Promise<LabView> {
    return LabView.of(await this.labs.get(id));
  }

  @Get(':id/events')
  @ApiOkResponse({ type: [LabEventView], description: 'Every state change of the lab, oldest first' })
  async events(@Param('id', LabIdPipe) id: string): Promise<LabEventView[]> {
    return (await this.labs.events(id)).map(LabEventView.of);
  }

  @Delete(':id')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: LabView, description: 'The lab is stopping; a worker removes it' })
  async stop(@Param('id', LabIdPipe) id: string): Promise<LabView> {
    return LabView.of(await this.labs.stop(id, ACTOR));
  }

  @Post(':id/exec')
  @HttpCode(200)
  @ApiOkResponse({ type: ExecResultView })
  exec(@Param('id', LabIdPipe) id: string, @Body() body: ExecLabDto): Promise<ExecResultView> {
    return this.labs.exec(id, body);
  }
}
