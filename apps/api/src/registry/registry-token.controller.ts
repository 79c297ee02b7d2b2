import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiOkResponse, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RegistryLoginService } from '@labfleet/accounts';
import { InvalidInputError } from '@labfleet/domain';
import { CourseRegistryService } from '@labfleet/lab-lifecycle';
import { Public } from '../auth/public.decorator';

export class RegistryTokenView {
  @ApiProperty({ description: 'A JWT the course registry accepts as `Authorization: Bearer`' }) token!: string;
  @ApiProperty({ description: 'The same token (OAuth2 clients read this name)' }) access_token!: string;
  @ApiProperty({ example: 300 }) expires_in!: number;
  @ApiProperty() issued_at!: string;
}

const asList = (value: unknown, name: string): string[] => {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (!values.every((v): v is string => typeof v === 'string' && v.length <= 1024) || values.length > 20) throw new InvalidInputError(`${name} must be at most 20 strings of up to 1024 characters`);
  return values;
};

/**
 * The course registry's token server (Docker's token authentication protocol). The registry sends
 * clients here (through its proxy, as `http://<registry host>/token`); `docker login` and every
 * push and pull call it with the credentials `docker login` stored.
 */
@ApiTags('registry')
@Public()
@Controller('registry')
export class RegistryTokenController {
  constructor(
    private readonly logins: RegistryLoginService,
    private readonly registry: CourseRegistryService,
  ) {}

  @Get('token')
  @ApiBasicAuth()
  @ApiQuery({ name: 'service', required: false, description: 'The registry (`labfleet-courses`)' })
  @ApiQuery({ name: 'scope', required: false, isArray: true, type: String, description: '`repository:<course>/<student>/<image>:pull,push`, `registry:catalog:*`; repeatable' })
  @ApiOkResponse({ type: RegistryTokenView, description: 'A token granting what the caller may do of what was asked (possibly nothing). 401 without valid Basic credentials; 404 when the course registry is off' })
  async token(@Headers('authorization') authorization: string | undefined, @Query('service') service: unknown, @Query('scope') scope: unknown): Promise<RegistryTokenView> {
    const scopes = asList(scope, 'scope');
    const [serviceName] = asList(service, 'service');
    const principal = await this.logins.authenticate(authorization);
    return this.registry.issue(principal, scopes, serviceName);
  }
}
