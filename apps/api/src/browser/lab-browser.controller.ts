import { Body, Controller, Get, HttpCode, Logger, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream';
import { Caller, InvalidInputError } from '@labfleet/domain';
import { LabFilesService, LabPortsService, LabTerminalService } from '@labfleet/lab-lifecycle';
import { CurrentCaller } from '../auth/caller.decorator';
import { LabId } from '../common/id.pipe';

const NODE = /^node\d{1,2}$/;

export class TerminalRequestDto {
  @ApiPropertyOptional({ example: 'node1' }) @IsOptional() @Matches(NODE, { message: 'node must be node1, node2, ...' }) node?: string;
  @ApiPropertyOptional({ description: 'Watch without typing (teachers always watch read-only)' }) @IsOptional() @IsBoolean() readOnly?: boolean;
}

export class TerminalTicketView {
  @ApiProperty({ description: 'WebSocket path to open within expiresIn seconds, once' }) url!: string;
  @ApiProperty() node!: string;
  @ApiProperty() readOnly!: boolean;
  @ApiProperty() expiresIn!: number;
}

export class FilesQuery {
  @ApiProperty({ example: '/root/Dockerfile' }) @IsString() @MaxLength(1024) path!: string;
  @ApiPropertyOptional({ example: 'node1' }) @IsOptional() @Matches(NODE, { message: 'node must be node1, node2, ...' }) node?: string;
  @ApiPropertyOptional({ description: 'Unpack a tar or zip body into the directory path' })
  @IsOptional() @Transform(({ value }) => value === '1' || value === 'true' || value === true) @IsBoolean() extract?: boolean;
}

/** What the browser needs of a lab beyond REST: terminal tickets, open ports, files. */
@ApiTags('labs')
@ApiBearerAuth()
@Controller('labs/:id')
export class LabBrowserController {
  private readonly logger = new Logger('Files');

  constructor(
    private readonly terminals: LabTerminalService,
    private readonly ports: LabPortsService,
    private readonly files: LabFilesService,
  ) {}

  @Post('terminal')
  @HttpCode(200)
  @ApiOkResponse({ type: TerminalTicketView, description: "The lab's owner (read-write) and its course's teachers (read-only)" })
  async terminal(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string, @Body() body: TerminalRequestDto): Promise<TerminalTicketView> {
    const t = await this.terminals.ticket(caller, id, body);
    return { url: `/api/v1/labs/${id}/terminal/ws?ticket=${t.ticket}`, node: t.node, readOnly: t.readOnly, expiresIn: t.expiresIn };
  }

  @Get('ports')
  @ApiOkResponse({ description: 'Ports the containers in the lab publish now, with their proxy URL' })
  async listPorts(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string) {
    return (await this.ports.list(caller, id)).map((p) => ({ ...p, url: `/labs/${id}/ports/${p.port}/${p.node === 'node1' ? '' : `?labfleet-node=${p.node}`}` }));
  }

  @Put('files')
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ description: 'Writes the body to path, or with extract=1 unpacks a tar or zip into the directory path' })
  async upload(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string, @Query() query: FilesQuery, @Req() req: Request) {
    if (!Buffer.isBuffer(req.body)) throw new InvalidInputError('send the file as the request body with Content-Type: application/octet-stream');
    return this.files.upload(caller, id, { node: query.node, path: query.path, extract: query.extract === true }, req.body);
  }

  @Get('files')
  @ApiOkResponse({ description: 'The file at path (with its Content-Length), or a directory as a tar archive' })
  async download(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string, @Query() query: FilesQuery, @Res() res: Response): Promise<void> {
    const file = await this.files.download(caller, id, { node: query.node, path: query.path });
    res.setHeader('Content-Type', file.archive ? 'application/x-tar' : 'application/octet-stream');
    res.setHeader('Content-Disposition', `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"`);
    if (file.bytes !== undefined) res.setHeader('Content-Length', file.bytes);
    // pipeline, not pipe: a client that goes away destroys the stream, which stops the copy in the
    // lab; a copy that fails midway cuts the response short of its length instead of leaving it open.
    pipeline(file.stream, res, (error) => {
      // A client that goes away is no failure of the copy.
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') this.logger.warn(`download of ${query.path} from lab ${id} failed: ${error.message}`);
    });
  }
}
