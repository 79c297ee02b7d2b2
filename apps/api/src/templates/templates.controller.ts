import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Caller, LAB_PROVIDER, LabProvider } from '@labfleet/domain';
import { TemplatesService } from '@labfleet/lab-lifecycle';
import { TemplateDefinition } from '@labfleet/persistence';
import { CurrentCaller } from '../auth/caller.decorator';
import { TemplateId } from '../common/id.pipe';
import { CreateTemplateDto, ListTemplatesQuery, TemplateChangeDto, TemplateView } from './templates.dto';

/** What a template made through the API asks for when the request leaves a field out (the seed's `docker`). */
export const TEMPLATE_DEFAULTS: TemplateDefinition = {
  description: '',
  image: null,
  nodes: 1,
  cpus: 1,
  memoryMb: 2048,
  pidsLimit: 2048,
  diskMb: 10240,
  ttlSeconds: 7200,
  images: [],
  reservedCpus: 0.05,
  reservedMemoryMb: 128,
  setup: [],
  kubernetes: null,
};

/** Only the fields the request names: a PATCH keeps the rest. */
const changeOf = (dto: TemplateChangeDto): Partial<TemplateDefinition> =>
  Object.fromEntries(Object.entries(dto).filter(([key, v]) => v !== undefined && key in TEMPLATE_DEFAULTS)) as Partial<TemplateDefinition>;

/**
 * Templates: every account lists the ones it may use; platform admins manage global ones, school
 * admins their school's, teachers their courses' (see docs/api.md "Templates").
 */
@ApiTags('templates')
@ApiBearerAuth()
@Controller('templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplatesService,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  @Get()
  @ApiOkResponse({ type: [TemplateView], description: "Global ones, one's school's, one's courses' (a school admin: all of the school's courses'); retired ones with ?retired=true" })
  async list(@CurrentCaller() caller: Caller, @Query() query: ListTemplatesQuery): Promise<TemplateView[]> {
    return (await this.templates.list(caller, query.retired ?? false)).map((t) => TemplateView.of(t, this.provider));
  }

  @Get(':id')
  @ApiOkResponse({ type: TemplateView })
  async get(@CurrentCaller() caller: Caller, @Param('id', TemplateId) id: string): Promise<TemplateView> {
    return TemplateView.of(await this.templates.get(caller, id), this.provider);
  }

  @Post()
  @ApiCreatedResponse({ type: TemplateView, description: "400 names each field above the caps and each image labs could not get; 409 when the name is taken; the worker then fills the mirror with its images" })
  async create(@CurrentCaller() caller: Caller, @Body() body: CreateTemplateDto): Promise<TemplateView> {
    const { name, scope, courseId, schoolId, ...definition } = body;
    const saved = await this.templates.create(caller, { ...TEMPLATE_DEFAULTS, ...changeOf(definition), name, scope, courseId, schoolId });
    return TemplateView.of(saved, this.provider);
  }

  @Patch(':id')
  @ApiOkResponse({ type: TemplateView, description: 'A new version; labs already asked for keep theirs, idle pool labs of the old one are replaced' })
  async update(@CurrentCaller() caller: Caller, @Param('id', TemplateId) id: string, @Body() body: TemplateChangeDto): Promise<TemplateView> {
    return TemplateView.of(await this.templates.update(caller, id, changeOf(body)), this.provider);
  }

  @Post(':id/retire')
  @HttpCode(200)
  @ApiOkResponse({ type: TemplateView, description: 'No new labs of it (a request gets 409); running labs go on' })
  async retire(@CurrentCaller() caller: Caller, @Param('id', TemplateId) id: string): Promise<TemplateView> {
    return TemplateView.of(await this.templates.retire(caller, id), this.provider);
  }
}
