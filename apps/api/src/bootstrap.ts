import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createLogger, LabfleetConfig } from '@labfleet/config';
import { AppModule } from './app.module';

/** Builds the HTTP app (shared by main.ts and the tests). */
export async function createApiApp(config: LabfleetConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger: createLogger(config) });
  // The client address that rate limits and the audit log see.
  app.set('trust proxy', config.auth.trustProxy);
  app.useBodyParser('text', { type: 'text/csv', limit: '1mb' });
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Labfleet API').setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
