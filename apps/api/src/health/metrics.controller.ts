import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Role } from '@labfleet/contracts';
import { Caller, ForbiddenError } from '@labfleet/domain';
import { MetricsService } from '@labfleet/lab-lifecycle';
import { CurrentCaller } from '../auth/caller.decorator';

/** Prometheus scrape endpoint, for platform admins' tokens (Prometheus sends it as a bearer token). */
@ApiTags('health')
@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Labs by state, provision durations, pool vs cold, queues, reconcile, capacity' })
  render(@CurrentCaller() { principal }: Caller): Promise<string> {
    if (principal.role !== Role.PlatformAdmin) throw new ForbiddenError('metrics are for platform admins');
    return this.metrics.render();
  }
}
