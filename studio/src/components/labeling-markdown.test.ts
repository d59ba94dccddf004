import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { labelIndexOfKey } from './labeling-kit';
import { Markdown } from './labeling-markdown';

const html = (source: string) => renderToStaticMarkup(createElement(Markdown, { source }));

describe('labeling instructions', () => {
  it('renders the Markdown labelers need', () => {
    expect(html('# Sentiment\nPress **1** for *pos*.\n\n- good: `a joy`\n- bad: [sarcasm](https://example.org/s)')).toBe(
      '<div><h3>Sentiment</h3><p>Press <strong>1</strong> for <em>pos</em>.</p><ul><li>good: <code>a joy</code></li><li>bad: <a href="https://example.org/s" target="_blank" rel="noreferrer noopener">sarcasm</a></li></ul></div>',
    );
    // (React adds a preload link for the image ahead of the markup.)
    expect(html('1. first\n2. second\n\n> quoted\n\n![good box](/examples/good.png)')).toContain(
      '<div><ol><li>first</li><li>second</li></ol><blockquote><p>quoted</p></blockquote><p><img src="/examples/good.png" alt="good box"/></p></div>',
    );
  });

  it('never turns a job’s text into markup or script', () => {
    const out = html('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) ![x](data:text/html,hi)');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img src=x');
    expect(out).not.toContain('href="javascript');
    expect(out).not.toContain('src="data:');
    expect(out).toContain('&lt;script&gt;');
  });
});

describe('label keys', () => {
  it('maps 1…9 and 0 to the first ten labels, and nothing else', () => {
    expect(labelIndexOfKey('1', 3)).toBe(0);
    expect(labelIndexOfKey('3', 3)).toBe(2);
    expect(labelIndexOfKey('4', 3)).toBeNull();
    expect(labelIndexOfKey('0', 10)).toBe(9);
    expect(labelIndexOfKey('0', 9)).toBeNull();
    expect(labelIndexOfKey('s', 3)).toBeNull();
    expect(labelIndexOfKey('Enter', 3)).toBeNull();
  });
});
