import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SchoolCapsService, SchoolsService, UsersService } from '@labfleet/accounts';
import { Caller } from '@labfleet/domain';
import { CurrentCaller } from '../auth/caller.decorator';
import { SchoolId } from '../common/id.pipe';
import { CreateSchoolDto, ListUsersQuery, SchoolView, UpdateSchoolDto, UserPageView, UserView } from './accounts.dto';
import { SchoolCapsDto, SchoolCapsView } from './school-caps.dto';

@ApiTags('schools')
@ApiBearerAuth()
@Controller('schools')
export class SchoolsController {
  constructor(
    private readonly schools: SchoolsService,
    private readonly users: UsersService,
    private readonly caps: SchoolCapsService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: SchoolView, description: 'Platform admins only' })
  async create(@CurrentCaller() caller: Caller, @Body() body: CreateSchoolDto): Promise<SchoolView> {
    return SchoolView.of(await this.schools.create(caller, body));
  }

  @Get()
  @ApiOkResponse({ type: [SchoolView], description: 'Every school for platform admins, else your own' })
  async list(@CurrentCaller() caller: Caller): Promise<SchoolView[]> {
    return (await this.schools.list(caller)).map(SchoolView.of);
  }

  @Get(':id')
  @ApiOkResponse({ type: SchoolView })
  async get(@CurrentCaller() caller: Caller, @Param('id', SchoolId) id: string): Promise<SchoolView> {
    return SchoolView.of(await this.schools.get(caller, id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: SchoolView, description: 'Name and OpenID Connect settings' })
  async update(@CurrentCaller() caller: Caller, @Param('id', SchoolId) id: string, @Body() body: UpdateSchoolDto): Promise<SchoolView> {
    return SchoolView.of(await this.schools.update(caller, id, body));
  }

  @Get(':id/caps')
  @ApiOkResponse({ type: SchoolCapsView, description: "The school's caps on one lab, the platform's, and the templates above them. School and platform admins" })
  async getCaps(@CurrentCaller() caller: Caller, @Param('id', SchoolId) id: string): Promise<SchoolCapsView> {
    return SchoolCapsView.of(await this.caps.get(caller, id));
  }

  @Patch(':id/caps')
  @ApiOkResponse({
    type: SchoolCapsView,
    description: 'Platform admins set what one lab of the school may ask for (400 naming a cap above the platform one). Lowering below existing templates is allowed: they are listed in `exceeding`',
  })
  async updateCaps(@CurrentCaller() caller: Caller, @Param('id', SchoolId) id: string, @Body() body: SchoolCapsDto): Promise<SchoolCapsView> {
    return SchoolCapsView.of(await this.caps.update(caller, id, body));
  }

  @Get(':id/users')
  @ApiOkResponse({ type: UserPageView })
  async listUsers(@CurrentCaller() caller: Caller, @Param('id', SchoolId) id: string, @Query() query: ListUsersQuery): Promise<UserPageView> {
    const page = await this.users.list(caller, id, query);
    return { items: page.items.map(UserView.of), total: page.total };
  }
}
