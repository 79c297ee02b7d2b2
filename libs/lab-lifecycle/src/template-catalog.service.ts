import { Inject, Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { readFile } from 'node:fs/promises';
import { LabfleetConfig } from '@labfleet/config';
import { LAB_PROVIDER, LabProvider, labNodeNames, setupProblems } from '@labfleet/domain';
import { TemplateFields, TemplateRepository } from '@labfleet/persistence';
import { TemplateFileDto } from './template-definition.dto';

const flatten = (errors: ValidationError[], path = ''): string[] =>
  errors.flatMap((e) => {
    const here = path ? `${path}.${e.property}` : e.property;
    return [...Object.values(e.constraints ?? {}).map((m) => `${here}: ${m}`), ...flatten(e.children ?? [], here)];
  });

/** Parses and validates a template seed file; throws naming every problem. */
export function parseTemplateFile(text: string, source: string): TemplateFields[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const file = plainToInstance(TemplateFileDto, raw);
  const problems = flatten(validateSync(file, { whitelist: true, forbidNonWhitelisted: true }));
  if (!problems.length) file.templates.forEach((t, i) => problems.push(...setupProblems(t.setup ?? [], labNodeNames(t.nodes ?? 1)).map((p) => `templates.${i}.${p}`)));
  if (problems.length) throw new Error(`${source}: invalid templates:\n  - ${problems.join('\n  - ')}`);
  return file.templates.map((t) => ({
    name: t.name,
    description: t.description ?? '',
    image: t.image ?? null,
    nodes: t.nodes ?? 1,
    cpus: t.cpus,
    memoryMb: t.memoryMb,
    pidsLimit: t.pidsLimit,
    diskMb: t.diskMb ?? null,
    ttlSeconds: t.ttlSeconds,
    images: t.images ?? [],
    reservedCpus: t.reservedCpus ?? 0.05,
    reservedMemoryMb: t.reservedMemoryMb ?? 128,
    setup: (t.setup ?? []).map((s) => ({ node: s.node, run: s.run, ...(s.capture ? { capture: s.capture } : {}) })),
    kubernetes: t.kubernetes ? { pods: t.kubernetes.pods, cpus: t.kubernetes.cpus, memoryMb: t.kubernetes.memoryMb } : null,
  }));
}

/** Templates live in the database; the seed file adds the ones it does not have yet. */
@Injectable()
export class TemplateCatalogService {
  private readonly logger = new Logger('TemplateCatalog');

  constructor(
    private readonly templates: TemplateRepository,
    private readonly config: LabfleetConfig,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  /** Returns the seed file's template names, in its order (the mirror's warm-up follows it). */
  async seed(): Promise<string[]> {
    const path = this.config.templatesFile;
    const definitions = parseTemplateFile(await readFile(path, 'utf8'), path);
    const added = await this.templates.insertMissing(definitions);
    if (added > 0) this.logger.log({ msg: 'templates seeded', file: path, added });
    return definitions.map((d) => d.name);
  }

  /** Puts a template's images in the mirror (the worker, after the API saved the template). A push that fails is retried by the queue. */
  async prepareImages(templateId: string): Promise<void> {
    const template = await this.templates.findById(templateId);
    if (!template || template.images.length === 0) return;
    const problems = await this.provider.prepare(template.images);
    if (problems.length) throw new Error(`images of template '${template.name}' not served to labs: ${problems.join('; ')}`);
    this.logger.log({ msg: 'template images prepared', template: template.name, version: template.version, images: template.images.length });
  }
}
