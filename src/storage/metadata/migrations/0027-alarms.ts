import { type Kysely, type Migration } from 'kysely';

export const migration0027: Migration = {
  // Tables of alarms (src/alarms): each alarm with its current state, and its transitions
  // (the history, each with what its actions did).
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('alarms')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text')
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull())
      .addColumn('dimensions_json', 'text', (c) => c.notNull())
      // The `endpoint` dimension, copied out so alarms of an endpoint are found by index.
      .addColumn('endpoint', 'text')
      .addColumn('stat', 'text', (c) => c.notNull())
      .addColumn('period', 'integer', (c) => c.notNull())
      // A threshold may be fractional: kept as its JSON text (portable, exact round trip).
      .addColumn('threshold', 'text', (c) => c.notNull())
      .addColumn('comparison', 'text', (c) => c.notNull())
      .addColumn('evaluation_periods', 'integer', (c) => c.notNull())
      .addColumn('datapoints_to_alarm', 'integer', (c) => c.notNull())
      .addColumn('treat_missing_data', 'text', (c) => c.notNull())
      .addColumn('actions_json', 'text', (c) => c.notNull())
      .addColumn('ok_actions_json', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      // The state, as the platform feed reads it (`status`, `updated_at`).
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('state_reason', 'text', (c) => c.notNull())
      .addColumn('state_updated_at', 'text', (c) => c.notNull())
      .addColumn('last_evaluated_at', 'text')
      .addColumn('last_datapoints_json', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alarms_updated_idx').on('alarms').columns(['updated_at', 'name']).execute();
    await db.schema.createIndex('alarms_endpoint_idx').on('alarms').column('endpoint').execute();
    await db.schema
      .createTable('alarm_transitions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('alarm', 'text', (c) => c.notNull().references('alarms.name').onDelete('cascade'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('from_state', 'text', (c) => c.notNull())
      .addColumn('to_state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('datapoints_json', 'text', (c) => c.notNull())
      // [{action, status, resource, error}]: Pending until the action has run; a transition
      // whose actions are not all settled is finished by the next evaluation (after a crash).
      .addColumn('actions_json', 'text', (c) => c.notNull())
      .addColumn('actions_pending', 'integer', (c) => c.notNull())
      // Whoever runs the pending actions holds them until then (an evaluator that died lets go when it passes).
      .addColumn('actions_lease_until', 'text')
      .execute();
    await db.schema.createIndex('alarm_transitions_alarm_idx').on('alarm_transitions').columns(['alarm', 'at']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('alarm_transitions').execute();
    await db.schema.dropTable('alarms').execute();
  },
};
