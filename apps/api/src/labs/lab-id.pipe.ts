import { Injectable, PipeTransform } from '@nestjs/common';
import { NotFoundError } from '@labfleet/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A lab id that cannot exist is simply an unknown lab: 404, like any other. */
@Injectable()
export class LabIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new NotFoundError('lab', value);
    return value.toLowerCase();
  }
}
