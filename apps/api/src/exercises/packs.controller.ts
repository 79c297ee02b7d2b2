import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { BuiltInPacks, EXERCISE_PACK_SCHEMA } from '@labfleet/lab-lifecycle';
import { Public } from '../auth/public.decorator';
import { PackSummaryView } from './exercises.dto';

/** The pack format's schema, and the packs Labfleet ships (import one with POST /courses/{id}/pack). */
@ApiTags('exercises')
@Controller('packs')
export class PacksController {
  constructor(private readonly packs: BuiltInPacks) {}

  @Get('schema')
  @Public()
  @ApiOkResponse({ description: 'The JSON Schema of a pack file (also docs/exercise-pack.schema.json)' })
  schema(): unknown {
    return EXERCISE_PACK_SCHEMA;
  }

  @Get()
  @ApiBearerAuth()
  @ApiOkResponse({ type: [PackSummaryView], description: 'The built-in packs' })
  list(): PackSummaryView[] {
    return this.packs.all().map(({ pack }) => ({ name: pack.name, title: pack.title, description: pack.description, exercises: pack.exercises.length }));
  }

  @Get(':name')
  @ApiBearerAuth()
  @ApiProduces('application/yaml')
  @ApiOkResponse({ description: 'A built-in pack file, as shipped' })
  get(@Param('name') name: string, @Res() res: Response): void {
    const { text } = this.packs.named(name);
    res.type('application/yaml').setHeader('Content-Disposition', `attachment; filename="${name}.yaml"`);
    res.send(text);
  }
}
