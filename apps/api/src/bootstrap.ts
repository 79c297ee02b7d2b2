import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Server } from 'node:http';
import { createLogger, LabfleetConfig } from '@labfleet/config';
import { MAX_UPLOAD_BYTES } from '@labfleet/lab-lifecycle';
import { AppModule } from './app.module';
import { attachBrowserRoutes } from './browser/browser-routes';
import { configureHttpServer } from './common/http-server';
import { refuseDeepJson } from './common/json-depth';
import { refuseLoneSurrogates } from './common/well-formed-json';
import { serveWebAssets } from './web/web-assets';

/** Builds the HTTP app (shared by main.ts and the tests). */
export async function createApiApp(config: LabfleetConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger: createLogger(config) });
  configureHttpServer(app.getHttpServer() as Server, config);
  // The client address that rate limits and the audit log see.
  app.set('trust proxy', config.auth.trustProxy);
  // Before the body parsers: the port proxy forwards request bodies untouched.
  attachBrowserRoutes(app);
  app.useBodyParser('json', { limit: '100kb', verify: refuseDeepJson, reviver: refuseLoneSurrogates });
  app.useBodyParser('text', { type: ['text/csv', 'application/yaml', 'application/x-yaml', 'text/yaml'], limit: '1mb' });
  app.useBodyParser('raw', { type: ['application/octet-stream', 'application/x-tar', 'application/zip'], limit: MAX_UPLOAD_BYTES });
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  serveWebAssets(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Labfleet API').setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
