import { useCallback, useRef, type ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { labelingApi, type LabelingTask } from '../api/client';
import { useResource } from '../api/use-resource';
import { BoxTask } from '../components/labeling-boxes';
import { ClassifyTask } from '../components/labeling-classify';
import { useKeys, type TaskViewProps } from '../components/labeling-kit';
import { Markdown } from '../components/labeling-markdown';
import { NerTask } from '../components/labeling-ner';
import { PolygonTask } from '../components/labeling-polygons';
import { VerifyTask } from '../components/labeling-verify';
import { useLabelingQueue } from '../components/labeling-queue';
import { Card, Empty, ErrorBanner, Loading, PageHeader, ProgressBar } from '../components/ui';
import { useSession } from '../session';
import './labeling.css';

const TASK_NAMES: Record<string, string> = {
  'text-classification': 'Text classification',
  'image-classification': 'Image classification',
  'bounding-box': 'Bounding boxes',
  polygon: 'Polygons',
  ner: 'Named entities',
  verification: 'Label verification',
};

/** The jobs the signed-in labeler can work on. */
export function LabelingWorkListPage() {
  const work = useResource((signal) => labelingApi.work(signal), []);
  const items = work.data?.items ?? [];
  return (
    <>
      <PageHeader title="Label" subtitle="Labeling jobs that have items for you. Pick one to start; your keyboard does most of the work." />
      <Card>
        <ErrorBanner error={work.error} onRetry={work.reload} />
        {!work.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>No labeling job is running now.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Task</th>
                  <th scope="col">Labels</th>
                  <th scope="col">You answered</th>
                </tr>
              </thead>
              <tbody>
                {items.map((w) => (
                  <tr key={w.job} data-job={w.job}>
                    <td>
                      <Link to={`/label/${encodeURIComponent(w.job)}`}>{w.job}</Link>
                    </td>
                    <td>{TASK_NAMES[w.taskType] ?? w.taskType}{w.multiLabel ? ' (multi-label)' : ''}</td>
                    <td>{w.labels.join(', ')}</td>
                    <td>
                      {w.answered} of {w.items}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

const VIEWS: Record<string, (props: TaskViewProps) => ReactNode> = {
  'text-classification': ClassifyTask,
  'image-classification': ClassifyTask,
  'bounding-box': BoxTask,
  polygon: PolygonTask,
  ner: NerTask,
  verification: VerifyTask,
};

/**
 * The work page: the leased item with the job's instructions beside it. Number keys
 * answer (see each task view), `s` skips; the next item is leased ahead and its image
 * loaded while this one is on screen.
 */
export function LabelingWorkPage() {
  const { job = '' } = useParams();
  const { session } = useSession();
  const progress = useResource((signal) => labelingApi.work(signal), [job]);
  // Images of held items are decoded ahead, so the next one paints as soon as it is shown.
  const images = useRef(new Map<string, HTMLImageElement>());
  const preload = useCallback(
    (task: LabelingTask) => {
      if (!task.image || images.current.has(task.item)) return;
      const img = new Image();
      img.src = labelingApi.imageUrl(job, task.item);
      void img.decode?.().catch(() => undefined);
      images.current.set(task.item, img);
      if (images.current.size > 8) images.current.delete(images.current.keys().next().value!);
    },
    [job],
  );
  // `?prefetch=0` leases one item at a time (for measuring what prefetching saves).
  const [search] = useSearchParams();
  const queue = useLabelingQueue(job, session?.user.name ?? '', preload, search.get('prefetch') === '0' ? 1 : undefined);
  const task = queue.task;
  useKeys((e) => {
    if (e.key === 's' && task) {
      queue.skip();
      return true;
    }
    return false;
  });

  const mine = progress.data?.items.find((w) => w.job === job);
  const done = (mine?.answered ?? 0) + queue.answered;
  const View = task ? VIEWS[task.taskType] : null;
  return (
    <>
      <PageHeader
        title={job}
        crumbs={[{ to: '/label', label: 'Label' }]}
        subtitle={task ? `${TASK_NAMES[task.taskType] ?? task.taskType}${task.multiLabel ? ', several labels may apply' : ''} · press s to skip` : undefined}
        actions={
          mine ? (
            <div className="label-progress" data-testid="label-progress">
              <ProgressBar value={done} max={mine.items} label="Your progress" />
              <span className="small muted">
                {done} of {mine.items} answered{queue.skipped > 0 ? ` · ${queue.skipped} skipped` : ''}
                {queue.pending > 0 ? ' · saving…' : ''}
              </span>
            </div>
          ) : undefined
        }
      />
      <ErrorBanner error={queue.error ?? progress.error} />
      {task && View ? (
        <div className="label-work">
          <Card className="label-item">
            <div data-item={task.item} data-testid="label-item">
              <View key={task.item} task={task} imageUrl={task.image ? labelingApi.imageUrl(job, task.item) : null} onSubmit={queue.submit} />
            </div>
          </Card>
          <Card title="Instructions" className="label-instructions">
            {task.instructions ? <Markdown source={task.instructions} className="markdown" /> : <p className="muted">This job has no instructions.</p>}
            <p className="muted small">
              Item {task.item} · lease until {new Date(task.leaseExpiresAt).toLocaleTimeString()}
            </p>
          </Card>
        </div>
      ) : queue.loading ? (
        <Loading label="Taking the next item…" />
      ) : (
        <Card>
          <div className="empty" data-testid="label-done">
            {queue.pending > 0 ? (
              <p>Saving your last answers…</p>
            ) : !queue.exhausted ? (
              <>
                <p>No item could be taken from this job just now.</p>
                <button type="button" onClick={queue.retry}>
                  Try again
                </button>
              </>
            ) : (
              <>
                <p>
                  <strong>Nothing left for you on this job.</strong> You answered {queue.answered} item{queue.answered === 1 ? '' : 's'} in this session.
                </p>
                <p className="muted small">Items whose leases run out come back to the pool.</p>
                <button type="button" onClick={queue.retry}>
                  Check again
                </button>
              </>
            )}
          </div>
        </Card>
      )}
    </>
  );
}
