import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorBody } from './error-body';

/** Turns domain errors into HTTP answers; anything unexpected is a 500 that is logged, not leaked. */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { body, retryAfter } = toErrorBody(exception);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    if (body.statusCode === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer');
    if (body.statusCode >= 500 && body.statusCode !== HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.error({ msg: 'request failed', error: exception instanceof Error ? exception.stack : String(exception) });
    }
    response.status(body.statusCode).json(body);
  }
}
