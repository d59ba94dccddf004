import { Fragment, type ReactNode } from 'react';

/**
 * A job's instructions: the Markdown labelers need (headings, paragraphs, lists, quotes,
 * code, emphasis, links and images for good and bad examples), rendered as React
 * elements and never as HTML, so a job's text cannot run script in a labeler's session.
 */
export function Markdown({ source, className }: { source: string; className?: string }) {
  return <div className={className}>{blocks(source)}</div>;
}

const SAFE_URL = /^(https?:|\/|\.\/|#)/i;

function blocks(source: string): ReactNode[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: ReactNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^```/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) body.push(lines[i]);
      i++;
      out.push(
        <pre key={out.length}>
          <code>{body.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      // Instructions sit inside a page that has its h1 and h2: their headings start at h3.
      const level = Math.min(6, heading[1].length + 2);
      const Tag = `h${level}` as 'h3';
      out.push(<Tag key={out.length}>{inline(heading[2])}</Tag>);
      i++;
      continue;
    }
    if (/^(\s*[-*+]\s+|\s*\d+[.)]\s+)/.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && /^(\s*[-*+]\s+|\s*\d+[.)]\s+)/.test(lines[i])) {
        items.push(lines[i].replace(/^(\s*[-*+]\s+|\s*\d+[.)]\s+)/, ''));
        i++;
      }
      const List = ordered ? 'ol' : 'ul';
      out.push(
        <List key={out.length}>
          {items.map((it, k) => (
            <li key={k}>{inline(it)}</li>
          ))}
        </List>,
      );
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quote: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i])) quote.push(lines[i++].replace(/^>\s?/, ''));
      out.push(<blockquote key={out.length}>{blocks(quote.join('\n'))}</blockquote>);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && !/^(#{1,6}\s|```|>|\s*[-*+]\s+|\s*\d+[.)]\s+)/.test(lines[i])) para.push(lines[i++]);
    if (para.length === 0) para.push(lines[i++]);
    out.push(<p key={out.length}>{inline(para.join(' '))}</p>);
  }
  return out;
}

/** Code spans, images, links, bold and italics, in that order of precedence. */
function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /`([^`]+)`|!\[([^\]]*)\]\(([^)\s]+)\)|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*]+)\*|_([^_]+)_/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const k = out.length;
    if (m[1] !== undefined) out.push(<code key={k}>{m[1]}</code>);
    else if (m[3] !== undefined) out.push(SAFE_URL.test(m[3]) ? <img key={k} src={m[3]} alt={m[2]} /> : m[0]);
    else if (m[5] !== undefined)
      out.push(
        SAFE_URL.test(m[5]) ? (
          <a key={k} href={m[5]} target="_blank" rel="noreferrer noopener">
            {inline(m[4])}
          </a>
        ) : (
          m[4]
        ),
      );
    else if (m[6] !== undefined || m[7] !== undefined) out.push(<strong key={k}>{inline(m[6] ?? m[7])}</strong>);
    else out.push(<em key={k}>{inline(m[8] ?? m[9])}</em>);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out.map((n, k) => (typeof n === 'string' ? <Fragment key={`t${k}`}>{n}</Fragment> : n));
}
