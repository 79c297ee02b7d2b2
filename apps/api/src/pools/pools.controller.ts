import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Role } from '@labfleet/contracts';
import { Caller, ForbiddenError } from '@labfleet/domain';
import { PoolService } from '@labfleet/lab-lifecycle';
import { CurrentCaller } from '../auth/caller.decorator';
import { PoolsView, SetPoolDto } from './pools.dto';

/** Warm pools and capacity: platform admins size them, school admins may look. */
@ApiTags('pools')
@ApiBearerAuth()
@Controller('pools')
export class PoolsController {
  constructor(private readonly pools: PoolService) {}

  @Get()
  @ApiOkResponse({ type: PoolsView })
  status(@CurrentCaller() { principal }: Caller): Promise<PoolsView> {
    if (principal.role !== Role.PlatformAdmin && principal.role !== Role.SchoolAdmin) throw new ForbiddenError('only admins see the pools');
    return this.pools.status(principal);
  }

  @Put(':template')
  @ApiOkResponse({ type: PoolsView, description: 'Takes effect within seconds: a refill runs at once' })
  async set(@CurrentCaller() caller: Caller, @Param('template') template: string, @Body() body: SetPoolDto): Promise<PoolsView> {
    await this.pools.set(caller, template, body.min, body.max ?? null);
    return this.pools.status(caller.principal);
  }
}
