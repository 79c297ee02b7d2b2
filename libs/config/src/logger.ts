import { ConsoleLogger, LoggerService } from '@nestjs/common';
import { ConfigError, loadConfig } from './load-config';
import { LabfleetConfig } from './labfleet-config';

/** One line per event; JSON unless LOG_FORMAT=pretty. */
export function createLogger(config: Pick<LabfleetConfig, 'logFormat'>): LoggerService {
  return new ConsoleLogger({ json: config.logFormat === 'json', colors: config.logFormat === 'pretty' });
}

/** Loads the config for an entry point; a bad value stops the process with a message naming it. */
export function loadConfigOrExit(): LabfleetConfig {
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`labfleet: ${e.message}`);
    process.exit(2);
  }
}
