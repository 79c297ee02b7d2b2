import { LabEventEntity } from './lab-event.entity';
import { LabNodeEntity } from './lab-node.entity';
import { LabEntity } from './lab.entity';
import { TemplateEntity } from './template.entity';

export { LabEventEntity, LabNodeEntity, LabEntity, TemplateEntity };
export const ENTITIES = [TemplateEntity, LabEntity, LabNodeEntity, LabEventEntity];
