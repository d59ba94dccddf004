import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { labelingApi, type LabelingTeam } from '../api/client';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';
import './labeling.css';

const names = (text: string) => text.split(',').map((m) => m.trim()).filter((m) => m.length > 0);

/** Labeling teams: who may take the items of a job created with `--team`. */
export function LabelingTeamsPage() {
  const teams = useResource((signal) => labelingApi.teams.list(signal), []);
  const [error, setError] = useState<unknown>(null);
  const act = (p: Promise<unknown>) => {
    setError(null);
    p.then(teams.reload, setError);
  };
  const items = teams.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Labeling teams"
        crumbs={[{ to: '/labeling', label: 'Labeling jobs' }]}
        subtitle={
          <>
            A job created for a team (<code>orchard labeling jobs create … --team</code>) hands its items to the team’s members only. Members are users with the labeler role.
          </>
        }
      />
      <Can permission="jobs:write">
        <CreateTeam onCreated={teams.reload} />
      </Can>
      <Card title="Teams">
        <ErrorBanner error={teams.error ?? error} onRetry={teams.reload} />
        {!teams.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>No labeling teams yet: jobs go to every labeler.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Members</th>
                  <th scope="col">Jobs running</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {items.map((t) => (
                  <TeamRow key={t.name} team={t} act={act} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

function TeamRow({ team, act }: { team: LabelingTeam; act: (p: Promise<unknown>) => void }) {
  const [adding, setAdding] = useState('');
  return (
    <tr data-team={team.name}>
      <th scope="row">
        {team.name}
        {team.description && <div className="muted small">{team.description}</div>}
      </th>
      <td>
        <ul className="team-members">
          {team.members.map((m) => (
            <li key={m}>
              {m}{' '}
              <Can permission="jobs:write">
                <button type="button" className="secondary small" aria-label={`Remove ${m} from ${team.name}`} onClick={() => act(labelingApi.teams.update(team.name, { remove: [m] }))} disabled={team.members.length === 1}>
                  ×
                </button>
              </Can>
            </li>
          ))}
        </ul>
        <Can permission="jobs:write">
          <form
            className="team-add"
            onSubmit={(e) => {
              e.preventDefault();
              if (names(adding).length === 0) return;
              act(labelingApi.teams.update(team.name, { add: names(adding) }).then(() => setAdding('')));
            }}
          >
            <input aria-label={`Add members to ${team.name}`} placeholder="user, user…" value={adding} onChange={(e) => setAdding(e.target.value)} />
            <button type="submit" className="secondary">
              Add
            </button>
          </form>
        </Can>
      </td>
      <td>
        {team.activeJobs.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          team.activeJobs.map((j, i) => (
            <span key={j}>
              {i > 0 && ', '}
              <Link to={`/labeling/${encodeURIComponent(j)}`}>{j}</Link>
            </span>
          ))
        )}
      </td>
      <td>{formatTime(team.createdAt)}</td>
      <td className="row-actions">
        <Can permission="jobs:write">
          <button
            type="button"
            className="danger secondary"
            disabled={team.activeJobs.length > 0}
            title={team.activeJobs.length > 0 ? 'Jobs for this team are running' : undefined}
            onClick={() => {
              if (window.confirm(`Delete team ${team.name}?`)) act(labelingApi.teams.remove(team.name));
            }}
          >
            Delete
          </button>
        </Can>
      </td>
    </tr>
  );
}

function CreateTeam({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await labelingApi.teams.create({ name, members: names(members), ...(description ? { description } : {}) });
      setName('');
      setMembers('');
      setDescription('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Card title="Create a team">
      <form className="form-grid" onSubmit={submit}>
        <Field label="Team name">{(p) => <input {...p} name="team-name" value={name} onChange={(e) => setName(e.target.value)} required autoComplete="off" />}</Field>
        <Field label="Members" hint="Labelers’ user names, comma separated.">
          {(p) => <input {...p} name="team-members" value={members} onChange={(e) => setMembers(e.target.value)} required autoComplete="off" />}
        </Field>
        <Field label="Description (optional)">{(p) => <input {...p} name="team-description" value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <div className="form-actions">
          <button type="submit">Create team</button>
        </div>
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
