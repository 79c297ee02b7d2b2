import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadConfigOrExit } from '@labfleet/config';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: createLogger(config) });
  app.enableShutdownHooks();
}

void main().catch((e) => {
  console.error(JSON.stringify({ level: 'fatal', context: 'Worker', message: e instanceof Error ? e.message : String(e) }));
  process.exit(1);
});
