import { InitialSchema1764280000000 } from './1764280000000-initial-schema';
import { Accounts1764900000000 } from './1764900000000-accounts';
import { Pools1765000000000 } from './1765000000000-pools';
import { TemplateSetup1765100000000 } from './1765100000000-template-setup';
import { LabPlacementWait1765200000000 } from './1765200000000-lab-placement-wait';
import { TemplateKubernetes1765300000000 } from './1765300000000-template-kubernetes';
import { LabCountIndexes1765400000000 } from './1765400000000-lab-count-indexes';
import { TemplateScopes1765500000000 } from './1765500000000-template-scopes';
import { Exercises1765600000000 } from './1765600000000-exercises';
import { RegistrySigningKey1765700000000 } from './1765700000000-registry-signing-key';
import { CourseIdleLimit1765800000000 } from './1765800000000-course-idle-limit';
import { SchoolLabCaps1765900000000 } from './1765900000000-school-lab-caps';
import { UsageIndexes1766000000000 } from './1766000000000-usage-indexes';

/** Every migration, in order. Migrations only add: never edit one that has shipped. */
export const MIGRATIONS = [InitialSchema1764280000000, Accounts1764900000000, Pools1765000000000, TemplateSetup1765100000000, LabPlacementWait1765200000000, TemplateKubernetes1765300000000, LabCountIndexes1765400000000, TemplateScopes1765500000000, Exercises1765600000000, RegistrySigningKey1765700000000, CourseIdleLimit1765800000000, SchoolLabCaps1765900000000, UsageIndexes1766000000000];
