/**
 * Labeling teams (Ground Truth's private workteams): named groups of labelers. A labeling
 * job created for a team hands its items only to the team's members.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, PageQuery, ResourceName, Strict, Timestamp } from './common.contract.js';
import { LABELING_LIMITS } from './labeling.values.js';

export const LabelingTeamName = ResourceName(63);

const Members = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: LABELING_LIMITS.teamMembers });

/** `POST /labeling-teams`: every member an enabled user with the labeler role. */
export const CreateLabelingTeamRequest = Strict({
  name: LabelingTeamName,
  members: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: LABELING_LIMITS.teamMembers }),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type CreateLabelingTeamRequest = Static<typeof CreateLabelingTeamRequest>;
export type CreateLabelingTeamInput = CreateLabelingTeamRequest & { createdBy?: string };

/** `PATCH /labeling-teams/{name}`: members added and removed, the description replaced. */
export const UpdateLabelingTeamRequest = Strict({
  add: Type.Optional(Members),
  remove: Type.Optional(Members),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
});
export type UpdateLabelingTeamRequest = Static<typeof UpdateLabelingTeamRequest>;

export const LabelingTeamFilter = Strict({
  /** Only the teams this user is a member of. */
  member: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  ...PageQuery,
});
export type LabelingTeamFilter = Static<typeof LabelingTeamFilter>;

export const LabelingTeam = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  /** Member user names, sorted. */
  members: Type.Array(Type.String()),
  /** Labeling jobs for this team that have not ended (the team cannot be deleted while there are any). */
  activeJobs: Type.Array(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type LabelingTeam = Static<typeof LabelingTeam>;
