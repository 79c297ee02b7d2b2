import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiTokensService, PasswordLoginService } from '@labfleet/accounts';
import { Caller } from '@labfleet/domain';
import { CurrentCaller } from '../auth/caller.decorator';
import { ChangePasswordDto } from '../auth/dto/auth.dto';
import { TokenId } from '../common/id.pipe';
import { ApiTokenView, CreateApiTokenDto, CreatedApiTokenView, MeView } from './me.dto';

@ApiTags('me')
@ApiBearerAuth()
@Controller('me')
export class MeController {
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly passwords: PasswordLoginService,
  ) {}

  @Get()
  @ApiOkResponse({ type: MeView })
  me(@CurrentCaller() { principal: p }: Caller): MeView {
    return { id: p.userId, label: p.label, role: p.role, schoolId: p.schoolId, teaching: p.teaching, enrolled: p.enrolled };
  }

  @Post('password')
  @HttpCode(204)
  @ApiNoContentResponse()
  changePassword(@CurrentCaller() caller: Caller, @Body() body: ChangePasswordDto): Promise<void> {
    return this.passwords.change(caller, body.currentPassword, body.newPassword);
  }

  @Post('tokens')
  @ApiCreatedResponse({ type: CreatedApiTokenView })
  async createToken(@CurrentCaller() caller: Caller, @Body() body: CreateApiTokenDto): Promise<CreatedApiTokenView> {
    const { token, record } = await this.tokens.create(caller, body.name, body.expiresInDays);
    return { ...ApiTokenView.of(record), token };
  }

  @Get('tokens')
  @ApiOkResponse({ type: [ApiTokenView] })
  async listTokens(@CurrentCaller() caller: Caller): Promise<ApiTokenView[]> {
    return (await this.tokens.list(caller)).map(ApiTokenView.of);
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked; it stops working at once' })
  revokeToken(@CurrentCaller() caller: Caller, @Param('id', TokenId) id: string): Promise<void> {
    return this.tokens.revoke(caller, id);
  }
}
