import { type Kysely, type Migration } from 'kysely';

export const migration0034: Migration = {
  // Labeling teams (src/labeling/teams): named groups of labelers a job can be given to,
  // and on each job its team and, for a verification job, the input attribute it judges.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('labeling_teams')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('labeling_team_members')
      .addColumn('team', 'text', (c) => c.notNull().references('labeling_teams.name').onDelete('cascade'))
      .addColumn('member', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('labeling_team_members_pk', ['team', 'member'])
      .execute();
    // "Which teams is this labeler in" is asked on every lease and work list.
    await db.schema.createIndex('labeling_team_members_member_idx').on('labeling_team_members').column('member').execute();
    // No foreign key: an ended job keeps the name of a team deleted since.
    await db.schema.alterTable('labeling_jobs').addColumn('team', 'text').execute();
    await db.schema.alterTable('labeling_jobs').addColumn('verified_attribute', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('labeling_jobs').dropColumn('verified_attribute').execute();
    await db.schema.alterTable('labeling_jobs').dropColumn('team').execute();
    await db.schema.dropTable('labeling_team_members').execute();
    await db.schema.dropTable('labeling_teams').execute();
  },
};
