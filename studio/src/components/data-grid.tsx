import type { QueryResult } from '../api/types';
import { cellText } from './format';

/** Rows of a query or preview, with the column types in the header; scrolls both ways. */
export function DataGrid({ result, caption }: { result: QueryResult; caption: string }) {
  return (
    <div className="table-wrap grid-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="grid">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="rownum">
              #
            </th>
            {result.columns.map((c) => (
              <th scope="col" key={c.name}>
                {c.name}
                <span className="type">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row, i) => (
            <tr key={i}>
              <td className="rownum">{i + 1}</td>
              {result.columns.map((c) => {
                const v = row[c.name];
                return (
                  <td key={c.name} className={typeof v === 'number' ? 'num' : v === null ? 'null' : undefined}>
                    {v === null ? 'null' : cellText(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
