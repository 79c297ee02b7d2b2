import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { TemplateCatalogService } from '@labfleet/lab-lifecycle';

/** Seeds templates at first start, so a fresh API lists them before any worker has run. */
@Injectable()
export class TemplateSeeder implements OnApplicationBootstrap {
  constructor(private readonly catalog: TemplateCatalogService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.catalog.seed();
  }
}
