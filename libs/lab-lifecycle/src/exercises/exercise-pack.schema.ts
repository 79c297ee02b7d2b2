/** The limits an exercise keeps to, shared by the pack schema and the REST body's validation. */
export const EXERCISE_LIMITS = {
  key: '^[a-z0-9][a-z0-9-]{0,62}$',
  titleLength: 200,
  instructionsLength: 20_000,
  hints: 10,
  hintLength: 2_000,
  template: '^[a-z0-9][a-z0-9-]{0,62}$',
  node: '^node[1-9][0-9]?$',
  scriptLength: 16_000,
  timeoutSeconds: { min: 1, max: 300, default: 30 },
  exercises: 100,
} as const;

const L = EXERCISE_LIMITS;

/**
 * The JSON Schema of an exercise pack (one YAML or JSON file): what `POST /courses/{id}/pack`
 * accepts and `GET /courses/{id}/pack` writes. Served at `GET /packs/schema`; docs/exercise-pack.schema.json
 * is the same document (a unit test keeps them equal).
 */
export const EXERCISE_PACK_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://labfleet.dev/schemas/exercise-pack-v1.json',
  title: 'Labfleet exercise pack',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'name', 'title', 'exercises'],
  properties: {
    format: { const: 'labfleet-pack/v1', description: 'The version of this format' },
    name: { type: 'string', pattern: L.key, description: 'Short name of the pack' },
    title: { type: 'string', minLength: 1, maxLength: L.titleLength },
    description: { type: 'string', maxLength: L.instructionsLength },
    exercises: {
      type: 'array',
      minItems: 1,
      maxItems: L.exercises,
      description: 'In the order students do them',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'title', 'instructions', 'check'],
        properties: {
          key: { type: 'string', pattern: L.key, description: 'Unique within the course' },
          title: { type: 'string', minLength: 1, maxLength: L.titleLength },
          instructions: { type: 'string', minLength: 1, maxLength: L.instructionsLength, description: 'Markdown' },
          hints: { type: 'array', maxItems: L.hints, items: { type: 'string', minLength: 1, maxLength: L.hintLength } },
          template: { type: 'string', pattern: L.template, description: 'The template whose labs the exercise needs (e.g. swarm-3); any when absent' },
          check: {
            type: 'object',
            additionalProperties: false,
            required: ['script'],
            properties: {
              script: { type: 'string', minLength: 1, maxLength: L.scriptLength, description: 'bash, run in the lab: exit 0 = done; its output is shown to the student' },
              node: { type: 'string', pattern: L.node, description: 'The node it runs on (default node1)' },
              timeoutSeconds: { type: 'integer', minimum: L.timeoutSeconds.min, maximum: L.timeoutSeconds.max, description: `Cut after this long (default ${L.timeoutSeconds.default})` },
            },
          },
          solution: { type: 'string', maxLength: L.scriptLength, description: 'Commands that make the check pass (teachers only)' },
        },
      },
    },
  },
} as const;
