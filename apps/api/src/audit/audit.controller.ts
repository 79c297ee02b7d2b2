import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Role } from '@labfleet/contracts';
import { Caller, ForbiddenError } from '@labfleet/domain';
import { AuditRepository } from '@labfleet/persistence';
import { CurrentCaller } from '../auth/caller.decorator';
import { AuditQuery } from './audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  @ApiOkResponse({ description: 'Newest first. Platform admins see everything, school admins their school' })
  async list(@CurrentCaller() { principal: p }: Caller, @Query() query: AuditQuery) {
    if (p.role !== Role.PlatformAdmin && p.role !== Role.SchoolAdmin) throw new ForbiddenError('only admins read the audit log');
    const schoolId = p.role === Role.SchoolAdmin ? p.schoolId! : query.schoolId;
    const page = await this.audit.list({ ...query, schoolId, since: query.since ? new Date(query.since) : undefined });
    return {
      items: page.items.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
      total: page.total,
      limit: query.limit,
      offset: query.offset,
    };
  }
}
