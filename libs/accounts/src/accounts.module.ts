import { Module } from '@nestjs/common';
import { PersistenceModule } from '@labfleet/persistence';
import { QueueModule } from '@labfleet/queue';
import { ApiTokensService } from './api-tokens.service';
import { AuthenticatorService } from './authenticator.service';
import { CoursesService } from './courses.service';
import { OidcLoginService } from './oidc-login.service';
import { PasswordLoginService } from './password-login.service';
import { RegistryLoginService } from './registry-login.service';
import { SchoolCapsService } from './school-caps.service';
import { SchoolsService } from './schools.service';
import { SessionService } from './session.service';
import { TimetableService } from './timetable.service';
import { UsageService } from './usage.service';
import { UsersService } from './users.service';

const SERVICES = [
  ApiTokensService,
  AuthenticatorService,
  CoursesService,
  OidcLoginService,
  PasswordLoginService,
  RegistryLoginService,
  SchoolCapsService,
  SchoolsService,
  SessionService,
  TimetableService,
  UsageService,
  UsersService,
];

/** Schools, people, courses, logins and tokens. */
@Module({
  imports: [PersistenceModule, QueueModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class AccountsModule {}
