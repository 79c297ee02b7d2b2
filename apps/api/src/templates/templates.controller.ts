import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { LAB_PROVIDER, LabProvider, notOfferedReason } from '@labfleet/domain';
import { TemplateEntity, TemplateRepository } from '@labfleet/persistence';

export class StudentKubernetesView {
  @ApiProperty({ example: 20 }) pods!: number;
  @ApiProperty({ example: 2 }) cpus!: number;
  @ApiProperty({ example: 2048 }) memoryMb!: number;
}

export class TemplateView {
  @ApiProperty({ example: 'docker' }) name!: string;
  @ApiProperty() description!: string;
  @ApiPropertyOptional({ nullable: true, description: 'Lab image; null means the platform lab image' }) image!: string | null;
  @ApiProperty() nodes!: number;
  @ApiProperty() cpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() pidsLimit!: number;
  @ApiPropertyOptional({ nullable: true }) diskMb!: number | null;
  @ApiProperty() ttlSeconds!: number;
  @ApiProperty({ type: [String], description: 'Images served to the lab by the platform registry' }) images!: string[];
  @ApiProperty({ description: 'CPUs admission counts a running lab as using' }) reservedCpus!: number;
  @ApiProperty({ description: 'Memory admission counts a running lab as using' }) reservedMemoryMb!: number;
  @ApiProperty({ description: 'Commands run on its nodes before the lab is ready', example: [{ node: 'node1', run: 'docker swarm init --advertise-addr eth0' }] }) setup!: { node: string; run: string; capture?: string }[];

  @ApiPropertyOptional({ type: StudentKubernetesView, nullable: true, description: "A Kubernetes namespace of the student's own, with this quota, and kubectl set up for it in the lab" })
  kubernetes!: StudentKubernetesView | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: "Why this installation's backend cannot make labs of this template; null when it can" })
  notOffered!: string | null;

  static of(t: TemplateEntity, provider: LabProvider): TemplateView {
    const { name, description, image, nodes, cpus, memoryMb, pidsLimit, diskMb, ttlSeconds, images, reservedCpus, reservedMemoryMb, setup, kubernetes } = t;
    return { name, description, image, nodes, cpus, memoryMb, pidsLimit, diskMb, ttlSeconds, images, reservedCpus, reservedMemoryMb, setup, kubernetes, notOffered: notOfferedReason(t, provider) };
  }
}

@ApiTags('templates')
@ApiBearerAuth()
@Controller('templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplateRepository,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  @Get()
  @ApiOkResponse({ type: [TemplateView] })
  async list(): Promise<TemplateView[]> {
    return (await this.templates.list()).map((t) => TemplateView.of(t, this.provider));
  }
}
