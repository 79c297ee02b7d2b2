import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LabStatus } from '@labfleet/contracts';
import { isLive } from '@labfleet/domain';
import type { IdleState } from '@labfleet/lab-lifecycle';
import type { LabEntity, LabEventEntity } from '@labfleet/persistence';

export class LabNodeView {
  @ApiProperty({ example: 'node1' }) name!: string;
  @ApiProperty({ example: 'node1' }) hostname!: string;
  @ApiPropertyOptional({ description: 'Address on the lab network' }) address!: string | null;
}

export class LabIdleView {
  @ApiProperty({ description: "The course's idle limit, in seconds" }) limitSeconds!: number;
  @ApiProperty({ description: 'Last terminal input, exec, file transfer or port traffic (or when the lab became yours)' }) lastActivityAt!: string;
  @ApiPropertyOptional({ nullable: true, description: 'Set once the lab was warned of its idleness: it stops then unless used before' }) stopsAt!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Seconds until then, by the server\'s clock' }) stopsInSeconds!: number | null;
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
  @ApiPropertyOptional({ nullable: true, description: "Seconds until expiresAt by the server's clock when it answered (a page counts down from it, whatever its own clock says); null once ended" }) secondsLeft!: number | null;
  @ApiPropertyOptional({ nullable: true, type: LabIdleView, description: "GET /labs/{id} and extend only: a ready lab's idleness, when its course has an idle limit" }) idle?: LabIdleView | null;
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
  @ApiPropertyOptional({
    nullable: true,
    example: 'labfleet-courses:5000/<courseId>/<ownerId>',
    description: "Where the lab's owner pushes images in the course registry (`docker login` there from inside the lab); null without a course registry or an owner",
  })
  registryNamespace!: string | null;

  static of(lab: LabEntity, queuePosition: number | null = null, registryNamespace: string | null = null): LabView {
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
      secondsLeft: isLive(lab.status) ? Math.max(0, Math.round((lab.expiresAt.getTime() - Date.now()) / 1000)) : null,
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
      registryNamespace,
    };
  }
}

export function idleView(idle: IdleState | null): LabIdleView | null {
  if (!idle) return null;
  const stopsIn = idle.stopsAt ? Math.max(0, Math.round((idle.stopsAt.getTime() - Date.now()) / 1000)) : null;
  return { limitSeconds: idle.limitSeconds, lastActivityAt: idle.lastActivityAt.toISOString(), stopsAt: idle.stopsAt?.toISOString() ?? null, stopsInSeconds: stopsIn };
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
