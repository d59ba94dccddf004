import { Link } from 'react-router';
import { PageHeader } from '../components/ui';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        Nothing lives at this address. Go to <Link to="/datasets">Datasets</Link>.
      </p>
    </>
  );
}
