import type { SetupStep } from './lab-template';

/** Fills `{{key}}` placeholders; an unknown key is an error naming it, not an empty string. */
export function renderStep(step: SetupStep, values: Readonly<Record<string, string>>): string {
  return step.run.replace(/\{\{\s*([a-zA-Z][\w-]*)\s*\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`set-up step on ${step.node} uses {{${key}}}, which no node or earlier step provides`);
    return values[key];
  });
}

/** Checks a template's steps against its nodes: every node exists and every placeholder is known by then. */
export function setupProblems(steps: readonly SetupStep[], nodes: readonly string[]): string[] {
  const known = new Set(nodes);
  const problems: string[] = [];
  steps.forEach((step, i) => {
    if (!nodes.includes(step.node)) problems.push(`setup[${i}].node: '${step.node}' is not one of ${nodes.join(', ')}`);
    for (const [, key] of step.run.matchAll(/\{\{\s*([a-zA-Z][\w-]*)\s*\}\}/g)) {
      if (!known.has(key)) problems.push(`setup[${i}].run: {{${key}}} is neither a node nor captured by an earlier step`);
    }
    if (step.capture) known.add(step.capture);
  });
  return problems;
}
