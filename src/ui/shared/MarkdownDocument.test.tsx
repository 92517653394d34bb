import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MarkdownDocument } from './MarkdownDocument';

const render = (source: string) => renderToStaticMarkup(<MarkdownDocument source={source} topLevel={3} />);

describe('MarkdownDocument (react-markdown + remark-gfm)', () => {
  it('renders a hostile model card as text: no script, no raw HTML element, no javascript: or data: link', () => {
    const html = render([
      '# Model card <img src=x onerror="alert(1)">',
      '<script>alert(document.cookie)</script>',
      '<iframe src="https://evil.example"></iframe>',
      '[click me](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) ![pic](https://evil.example/x.png)',
      '| a | b |', '| --- | --- |', '| <b onclick="x()">cell</b> | 2 |',
    ].join('\n\n'));
    // Only the elements Markdown itself makes, and no event-handler attribute on any of them.
    const tags = new Set([...html.matchAll(/<([a-z0-9]+)[\s>]/gi)].map((m) => m[1].toLowerCase()));
    expect([...tags].filter((t) => !['div', 'h3', 'p', 'span', 'table', 'thead', 'tbody', 'tr', 'th', 'td'].includes(t))).toEqual([]);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
    expect(html).not.toMatch(/href="(javascript|data):/i);
    // The tags are shown as text (escaped), so a reader sees what the file holds.
    expect(html).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
    expect(html).toContain('<span>click me</span>');
  });

  it('renders headings at the asked level with anchors, GitHub tables, quotes, and http(s) links in a new tab', () => {
    const html = render('# Intended use\n\n## Data\n\n> **Not a medical device.**\n\n| set | AUC |\n| --- | ---: |\n| test | 0.95 |\n\n[Kaggle](https://www.kaggle.com) and [data](#data)');
    expect(html).toMatch(/<h3 id="[^"]*-intended-use" class="md-h md-h1">Intended use<\/h3>/);
    expect(html).toMatch(/<h4 id="[^"]*-data" class="md-h md-h2">Data<\/h4>/);
    expect(html).toMatch(/<blockquote>\s*<p><strong>Not a medical device\.<\/strong><\/p>\s*<\/blockquote>/);
    expect(html).toMatch(/<table class="md-table">.*<th[^>]*>set<\/th>.*<td[^>]*>0\.95<\/td>/s);
    expect(html).toContain('<a href="https://www.kaggle.com" target="_blank" rel="noreferrer noopener">Kaggle</a>');
    expect(html).toMatch(/<a href="#[^"]*-data">data<\/a>/);
  });
});
