import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LabStatus } from '@labfleet/contracts';
import type { LabEntity, LabEventEntity } from '@labfleet/persistence';

export class LabNodeView {
  @ApiProperty({ example: 'node1' }) name!: string;
  @ApiProperty({ example: 'node1' }) hostname!: string;
  @ApiPropertyOptional({ description: 'Address on the lab network' }) address!: string | null;
}

export class LabView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: LabStatus }) status!: LabStatus;
  @ApiProperty({ example: 'docker' }) template!: string;
  @ApiProperty({ format: 'uuid' }) templateId!: string;
  @ApiProperty({ example: 1, description: "The template's version the lab is made of; an edit of the template later changes nothing of it" }) templateVersion!: number;
  @ApiProperty({ example: 'docker' }) provider!: string;
  @ApiPropertyOptional({ nullable: true }) failureReason!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) readyAt!: string | null;
  @ApiProperty() expiresAt!: string;
  @ApiPropertyOptional({ nullable: true }) endedAt!: string | null;
  @ApiProperty({ type: [LabNodeView] }) nodes!: LabNodeView[];
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) schoolId!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) courseId!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'uuid', description: 'Null for the bootstrap admin token, or a pool lab not yet claimed' }) ownerId!: string | null;
  @ApiPropertyOptional({ nullable: true }) ownerEmail!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'When it was taken from the warm pool' }) claimedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Place in the line of labs waiting for capacity (1 = next)' }) queuePosition!: number | null;
  @ApiPropertyOptional({ nullable: true, description: 'Why a pending lab still waits for the cluster to find it room (Swarm)' }) waitReason!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'The cluster node the lab runs on (Swarm)' }) host!: string | null;

  static of(lab: LabEntity, queuePosition: number | null = null): LabView {
    return {
      id: lab.id,
      status: lab.status,
      template: lab.template?.name ?? lab.templateId,
      templateId: lab.templateId,
      templateVersion: lab.templateVersion,
      provider: lab.provider,
      failureReason: lab.failureReason,
      createdAt: lab.createdAt.toISOString(),
      readyAt: lab.readyAt?.toISOString() ?? null,
      expiresAt: lab.expiresAt.toISOString(),
      endedAt: lab.endedAt?.toISOString() ?? null,
      nodes: (lab.nodes ?? []).map((n) => ({ name: n.name, hostname: n.hostname, address: n.address })),
      schoolId: lab.schoolId,
      courseId: lab.courseId,
      ownerId: lab.ownerId,
      ownerEmail: lab.owner?.email ?? null,
      claimedAt: lab.claimedAt?.toISOString() ?? null,
      queuePosition,
      waitReason: lab.status === LabStatus.Pending ? lab.waitReason : null,
      host: lab.handle?.host ?? null,
    };
  }
}

export class LabPageView {
  @ApiProperty({ type: [LabView] }) items!: LabView[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class LabEventView {
  @ApiPropertyOptional({ enum: LabStatus, nullable: true }) from!: LabStatus | null;
  @ApiProperty({ enum: LabStatus }) to!: LabStatus;
  @ApiProperty() actor!: string;
  @ApiProperty() at!: string;
  @ApiPropertyOptional({ nullable: true }) detail!: Record<string, unknown> | null;

  static of(e: LabEventEntity): LabEventView {
    return { from: e.fromStatus, to: e.toStatus, actor: e.actor, at: e.createdAt.toISOString(), detail: e.detail };
  }
}
