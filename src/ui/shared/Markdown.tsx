/**
 * Just enough Markdown for attribution notes (headings, paragraphs, `code`, **bold**, *italic*, links),
 * rendered as React elements: no HTML from the file ever reaches the page.
 */
import type { ReactNode } from 'react';

const INLINE = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|\[[^\]]+\]\([^)\s]+\)|https?:\/\/[^\s)]+)/g;

function inline(text: string, keyBase: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  for (const m of text.matchAll(INLINE)) {
    const token = m[0];
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    const key = `${keyBase}-${n++}`;
    if (token.startsWith('`')) out.push(<code key={key}>{token.slice(1, -1)}</code>);
    else if (token.startsWith('**')) out.push(<strong key={key}>{token.slice(2, -2)}</strong>);
    else if (token.startsWith('*')) out.push(<em key={key}>{token.slice(1, -1)}</em>);
    else if (token.startsWith('[')) {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token) ?? [];
      out.push(safeLink(href, label, key));
    } else out.push(safeLink(token, token, key));
    last = at + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function safeLink(href: string | undefined, label: string | undefined, key: string): ReactNode {
  if (!href || !/^https?:\/\//.test(href)) return label ?? '';
  return <a key={key} href={href} target="_blank" rel="noreferrer noopener">{label}</a>;
}

export function Markdown({ source, className }: { source: string; className?: string }) {
  const blocks = source.replace(/\r\n/g, '\n').split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return (
    <div className={className}>
      {blocks.map((block, i) => {
        const heading = /^(#{1,6})\s+(.*)$/s.exec(block);
        if (heading) return <p key={i} className="md-heading">{inline(heading[2], `h${i}`)}</p>;
        const lines = block.split('\n');
        if (lines.every((l) => /^\s*[-*]\s+/.test(l))) {
          return <ul key={i}>{lines.map((l, j) => <li key={j}>{inline(l.replace(/^\s*[-*]\s+/, ''), `l${i}-${j}`)}</li>)}</ul>;
        }
        return <p key={i}>{inline(lines.join(' '), `p${i}`)}</p>;
      })}
    </div>
  );
}
