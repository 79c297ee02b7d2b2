import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { TemplateEntity, TemplateRepository } from '@labfleet/persistence';

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

  static of(t: TemplateEntity): TemplateView {
    const { name, description, image, nodes, cpus, memoryMb, pidsLimit, diskMb, ttlSeconds, images, reservedCpus, reservedMemoryMb, setup } = t;
    return { name, description, image, nodes, cpus, memoryMb, pidsLimit, diskMb, ttlSeconds, images, reservedCpus, reservedMemoryMb, setup };
  }
}

@ApiTags('templates')
@ApiBearerAuth()
@Controller('templates')
export class TemplatesController {
  constructor(private readonly templates: TemplateRepository) {}

  @Get()
  @ApiOkResponse({ type: [TemplateView] })
  async list(): Promise<TemplateView[]> {
    return (await this.templates.list()).map(TemplateView.of);
  }
}
