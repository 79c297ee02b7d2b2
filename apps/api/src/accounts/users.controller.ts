import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UsersService } from '@labfleet/accounts';
import { Caller } from '@labfleet/domain';
import { CurrentCaller } from '../auth/caller.decorator';
import { UserId } from '../common/id.pipe';
import { CreateUserDto, UpdateUserDto, UserView } from './accounts.dto';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiCreatedResponse({ type: UserView, description: 'School admins create accounts in their school; platform admins anywhere' })
  async create(@CurrentCaller() caller: Caller, @Body() body: CreateUserDto): Promise<UserView> {
    return UserView.of(await this.users.create(caller, { ...body, schoolId: body.schoolId ?? null }));
  }

  @Get(':id')
  @ApiOkResponse({ type: UserView })
  async get(@CurrentCaller() caller: Caller, @Param('id', UserId) id: string): Promise<UserView> {
    return UserView.of(await this.users.get(caller, id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserView, description: 'Name, role (audited) or a new password' })
  async update(@CurrentCaller() caller: Caller, @Param('id', UserId) id: string, @Body() body: UpdateUserDto): Promise<UserView> {
    return UserView.of(await this.users.update(caller, id, body));
  }
}
