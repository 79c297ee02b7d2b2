import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'labfleet:public';

/** Marks a route that needs no credentials (health). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
