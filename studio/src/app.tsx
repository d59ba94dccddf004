import { useLayoutEffect, useRef, useState } from 'react';
import { BrowserRouter, Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/ui';
import { DashboardEditPage, DashboardNewPage } from './pages/dashboard-editor';
import { DashboardViewPage } from './pages/dashboard-view';
import { DashboardsPage } from './pages/dashboards';
import { CrawlerDetailPage } from './pages/crawler-detail';
import { CrawlersPage } from './pages/crawlers';
import { AlarmsPage } from './pages/alarms';
import { AutomlDetailPage } from './pages/automl-detail';
import { AutomlJobsPage } from './pages/automl-jobs';
import { AlarmDetailPage } from './pages/alarm-detail';
import { DatasetDetailPage } from './pages/dataset-detail';
import { DataQualityPage } from './pages/data-quality';
import { MonitorPage } from './pages/monitor';
import { ModelQualityPage } from './pages/model-quality';
import { DatasetsPage } from './pages/datasets';
import { EndpointDetailPage, EndpointsPage } from './pages/endpoints';
import { ExperimentDetailPage, ExperimentsPage, RunsComparePage } from './pages/experiments';
import { ModelDetailPage } from './pages/model-detail';
import { ModelsPage } from './pages/models';
import { NotFoundPage } from './pages/not-found';
import { RegistryGroupPage, RegistryPage } from './pages/registry';
import { SignInPage } from './pages/sign-in';
import { SqlPage } from './pages/sql';
import { TokensPage } from './pages/tokens';
import { TrainingDetailPage } from './pages/training-detail';
import { TrainingJobsPage } from './pages/training-jobs';
import { TrainingNewPage } from './pages/training-new';
import { TuningDetailPage, TuningJobsPage } from './pages/tuning-jobs';
import { TuningNewPage } from './pages/tuning-new';
import { TransformDetailPage } from './pages/transform-detail';
import { TransformNewPage } from './pages/transform-new';
import { TransformsPage } from './pages/transforms';
import { RecipeDetailPage } from './pages/recipe-detail';
import { RecipesPage } from './pages/recipes';
import { ProcessingJobsPage } from './pages/processing';
import { ProcessingDetailPage } from './pages/processing-detail';
import { ForecastGroupPage } from './pages/forecast-group';
import { ForecastHomePage } from './pages/forecast-home';
import { ForecastPredictorPage } from './pages/forecast-predictor';
import { ForecastPage } from './pages/forecast-view';
import { PipelinePage } from './pages/pipeline-detail';
import { PipelinesPage } from './pages/pipelines';
import { UsersPage } from './pages/users';
import { LabelingJobPage, LabelingJobsPage } from './pages/labeling-jobs';
import { LabelingTeamsPage } from './pages/labeling-teams';
import { LabelingWorkListPage, LabelingWorkPage } from './pages/labeling-work';
import { ReviewWorkPage, ReviewsPage } from './pages/reviews';
import { SessionProvider, useSession } from './session';
import type { Permission } from './api/types';

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider fallback={<Loading label="Starting Orchard Studio…" />}>
        <Shell />
      </SessionProvider>
    </BrowserRouter>
  );
}

/** The sidebar; each page shows only for roles that may read what it shows. */
const NAV: { to: string; label: string; permission: Permission }[] = [
  { to: '/datasets', label: 'Datasets', permission: 'datasets:read' },
  { to: '/sql', label: 'SQL', permission: 'datasets:read' },
  { to: '/crawlers', label: 'Crawlers', permission: 'datasets:read' },
  { to: '/dashboards', label: 'Dashboards', permission: 'datasets:read' },
  { to: '/training-jobs', label: 'Training jobs', permission: 'jobs:read' },
  { to: '/tuning-jobs', label: 'Tuning jobs', permission: 'jobs:read' },
  { to: '/experiments', label: 'Experiments', permission: 'jobs:read' },
  { to: '/automl', label: 'AutoML', permission: 'jobs:read' },
  { to: '/models', label: 'Models', permission: 'models:read' },
  { to: '/registry', label: 'Model registry', permission: 'models:read' },
  { to: '/endpoints', label: 'Endpoints', permission: 'endpoints:read' },
  { to: '/processing', label: 'Processing', permission: 'jobs:read' },
  { to: '/recipes', label: 'Recipes', permission: 'datasets:read' },
  { to: '/forecast', label: 'Forecast', permission: 'jobs:read' },
  { to: '/pipelines', label: 'Pipelines', permission: 'jobs:read' },
  { to: '/alarms', label: 'Alarms', permission: 'jobs:read' },
  { to: '/labeling', label: 'Labeling jobs', permission: 'jobs:read' },
  { to: '/label', label: 'Label', permission: 'labeling:work' },
  { to: '/reviews', label: 'Human review', permission: 'endpoints:read' },
  { to: '/review', label: 'Review', permission: 'labeling:work' },
  { to: '/transforms', label: 'Batch transforms', permission: 'jobs:read' },
  { to: '/tokens', label: 'API tokens', permission: 'tokens:own' },
  { to: '/users', label: 'Users', permission: 'users:manage' },
];

function Shell() {
  const { session, can, signOut } = useSession();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  // Moves focus to the new page's content after a navigation (screen readers announce
  // it); on the first load focus stays at the top, where the skip link is. A layout effect,
  // so focus has moved before the new page can take input: typed into a field at once, the
  // text is not lost to a focus move that comes after it.
  const firstLoad = useRef(true);
  useLayoutEffect(() => {
    setMenuOpen(false);
    if (firstLoad.current) firstLoad.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  // The first page the role may read (an invoker reads none but endpoints' tokens).
  const home = NAV.find((n) => can(n.permission))?.to ?? '/tokens';
  if (!session) {
    return (
      <Routes>
        <Route path="*" element={<SignInPage />} />
      </Routes>
    );
  }
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Orchard Studio home">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <circle cx="16" cy="18" r="11" fill="#2f7d4f" />
            <path d="M16 7c1-4 4-5 7-5-1 3-3 5-7 5z" fill="#6aa84f" />
          </svg>
          Orchard Studio
        </NavLink>
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <div className="whoami">
          <span>
            {session.user.name} <span className="role">{session.user.role}</span>
          </span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="sidebar" className={`sidebar${menuOpen ? ' open' : ''}`} aria-label="Main">
        <ul>
          {NAV.filter((n) => can(n.permission)).map((n) => (
            <li key={n.to}>
              <NavLink to={n.to}>{n.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to={home} replace />} />
          <Route path="/sign-in" element={<Navigate to={home} replace />} />
          <Route path="/datasets" element={<DatasetsPage />} />
          <Route path="/datasets/:name" element={<DatasetDetailPage />} />
          <Route path="/datasets/:name/quality" element={<DataQualityPage />} />
          <Route path="/sql" element={<SqlPage />} />
          <Route path="/crawlers" element={<CrawlersPage />} />
          <Route path="/crawlers/:name" element={<CrawlerDetailPage />} />
          <Route path="/dashboards" element={<DashboardsPage />} />
          <Route path="/dashboards/new" element={<DashboardNewPage />} />
          <Route path="/dashboards/:name" element={<DashboardViewPage />} />
          <Route path="/dashboards/:name/edit" element={<DashboardEditPage />} />
          <Route path="/training-jobs" element={<TrainingJobsPage />} />
          <Route path="/training-jobs/new" element={<TrainingNewPage />} />
          <Route path="/training-jobs/:name" element={<TrainingDetailPage />} />
          <Route path="/tuning-jobs" element={<TuningJobsPage />} />
          <Route path="/tuning-jobs/new" element={<TuningNewPage />} />
          <Route path="/tuning-jobs/:name" element={<TuningDetailPage />} />
          <Route path="/automl" element={<AutomlJobsPage />} />
          <Route path="/automl/:name" element={<AutomlDetailPage />} />
          <Route path="/experiments" element={<ExperimentsPage />} />
          <Route path="/experiments/:name" element={<ExperimentDetailPage />} />
          <Route path="/experiments/:name/compare" element={<RunsComparePage />} />
          <Route path="/models" element={<ModelsPage />} />
          <Route path="/models/:name" element={<ModelDetailPage />} />
          <Route path="/registry" element={<RegistryPage />} />
          <Route path="/registry/:group" element={<RegistryGroupPage />} />
          <Route path="/endpoints" element={<EndpointsPage />} />
          <Route path="/endpoints/:name" element={<EndpointDetailPage />} />
          <Route path="/endpoints/:name/model-quality" element={<ModelQualityPage />} />
          <Route path="/endpoints/:name/monitor" element={<MonitorPage />} />
          <Route path="/processing" element={<ProcessingJobsPage />} />
          <Route path="/processing/:name" element={<ProcessingDetailPage />} />
          <Route path="/recipes" element={<RecipesPage />} />
          <Route path="/recipes/:name" element={<RecipeDetailPage />} />
          <Route path="/forecast" element={<ForecastHomePage />} />
          <Route path="/forecast/groups/:name" element={<ForecastGroupPage />} />
          <Route path="/forecast/predictors/:name" element={<ForecastPredictorPage />} />
          <Route path="/forecast/forecasts/:name" element={<ForecastPage />} />
          <Route path="/pipelines" element={<PipelinesPage />} />
          <Route path="/pipelines/:name" element={<PipelinePage />} />
          <Route path="/alarms" element={<AlarmsPage />} />
          <Route path="/alarms/:name" element={<AlarmDetailPage />} />
          <Route path="/transforms" element={<TransformsPage />} />
          <Route path="/transforms/new" element={<TransformNewPage />} />
          <Route path="/transforms/:name" element={<TransformDetailPage />} />
          <Route path="/labeling" element={<LabelingJobsPage />} />
          <Route path="/labeling-teams" element={<LabelingTeamsPage />} />
          <Route path="/reviews" element={<ReviewsPage />} />
          <Route path="/review" element={<ReviewWorkPage />} />
          <Route path="/labeling/:name" element={<LabelingJobPage />} />
          <Route path="/label" element={<LabelingWorkListPage />} />
          <Route path="/label/:job" element={<LabelingWorkPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route path="/users" element={<UsersPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}
