import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { recipesApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;

const EXAMPLE = `target: y
steps:
  - impute:
      columns: [size]
      strategy: mean
  - one_hot:
      columns: [color]
      unknown: ignore
  - scale:
      columns: [size]
      method: standard
`;

/** Recipes: their steps and fits, and a form to create one from YAML or JSON. */
export function RecipesPage() {
  const list = useResource((signal) => recipesApi.list({ limit: 200 }, signal), []);
  return (
    <>
      <PageHeader title="Recipes" subtitle="Data-preparation steps fitted on a dataset, applied into new datasets, served in front of models." />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No recipes yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Steps</th>
                  <th scope="col">Target</th>
                  <th scope="col">Latest fit</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((r) => (
                  <tr key={r.name}>
                    <td>
                      <Link to={`/recipes/${encodeURIComponent(r.name)}`}>{r.name}</Link>
                    </td>
                    <td>{r.steps.map((s) => Object.keys(s as object)[0]).join(' → ')}</td>
                    <td>{r.target ?? <span className="muted">none</span>}</td>
                    <td>{r.latestFit === null ? <span className="muted">not fitted</span> : `${r.name}@${r.latestFit}`}</td>
                    <td>{formatTime(r.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Can permission="datasets:write">
        <CreateRecipeForm />
      </Can>
    </>
  );
}

function CreateRecipeForm() {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [definition, setDefinition] = useState(EXAMPLE);
  const [description, setDescription] = useState('');
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const errors: Record<string, string> = {};
  if (!NAME.test(name) || name.length > 63) errors.name = '1–63 letters, digits and hyphens.';
  if (!definition.trim()) errors.definition = 'The recipe, as YAML or JSON.';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length) return;
    setError(null);
    try {
      const recipe = await recipesApi.create({ name, definition, description: description || undefined });
      navigate(`/recipes/${encodeURIComponent(recipe.name)}`);
    } catch (err) {
      setError(err);
    }
  }

  const e = (k: string) => (touched ? errors[k] : undefined);
  return (
    <Card title="Create a recipe">
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field label="Name" error={e('name')}>
          {(p) => <input {...p} value={name} onChange={(ev) => setName(ev.target.value)} maxLength={63} />}
        </Field>
        <Field label="Description (optional)">{(p) => <input {...p} value={description} onChange={(ev) => setDescription(ev.target.value)} maxLength={1024} />}</Field>
        <Field label="Recipe (YAML or JSON)" error={e('definition')} hint="A target and a list of steps; the steps are described in docs/recipes-steps.md.">
          {(p) => <textarea {...p} rows={14} spellCheck={false} className="mono" value={definition} onChange={(ev) => setDefinition(ev.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit">Create recipe</button>
        </div>
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
