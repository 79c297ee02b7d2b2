import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ConflictError, DependencyUnavailableError, InvalidInputError, NotFoundError, ProviderError } from '@labfleet/domain';
import { databaseOutage } from './database-outage';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  dependency?: string;
}

/** Turns domain errors into HTTP answers; anything unexpected is a 500 that is logged, not leaked. */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) response.setHeader('Retry-After', '5');
    if (body.statusCode >= 500 && body.statusCode !== HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.error({ msg: 'request failed', error: exception instanceof Error ? exception.stack : String(exception) });
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(e: unknown): ErrorBody {
    if (e instanceof HttpException) {
      const res = e.getResponse();
      const message = typeof res === 'string' ? res : ((res as { message?: string | string[] }).message ?? e.message);
      return { statusCode: e.getStatus(), error: HttpStatus[e.getStatus()] ?? 'Error', message };
    }
    if (e instanceof NotFoundError) return { statusCode: 404, error: 'Not Found', message: e.message };
    if (e instanceof InvalidInputError) return { statusCode: 400, error: 'Bad Request', message: e.message };
    if (e instanceof ConflictError) return { statusCode: 409, error: 'Conflict', message: e.message };
    if (e instanceof DependencyUnavailableError) {
      return { statusCode: 503, error: 'Service Unavailable', message: e.message, dependency: e.dependency };
    }
    if (e instanceof ProviderError) return { statusCode: 502, error: 'Bad Gateway', message: `the lab backend failed: ${e.message}` };
    const outage = databaseOutage(e);
    if (outage) return { statusCode: 503, error: 'Service Unavailable', message: `database is unavailable: ${outage}`, dependency: 'database' };
    return { statusCode: 500, error: 'Internal Server Error', message: 'unexpected error; see the server log' };
  }
}
