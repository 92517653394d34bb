/**
 * A Markdown document (a model card) rendered as React elements: headings, paragraphs, lists, block quotes,
 * pipe tables, code blocks, rules, and inline `code`, **bold**, *italic*, links. No HTML from the text ever
 * reaches the page: backslash escapes and the entities `&amp;` `&lt;` `&gt;` become plain characters, and only
 * http(s) links and links to the document's own headings are made clickable.
 * (Markdown.tsx covers the short attribution notes; a model card needs tables and quotes.)
 */
import { useId, type ReactNode } from 'react';

type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'quote'; paragraphs: string[] }
  | { kind: 'table'; head: string[]; align: ('left' | 'right' | 'center')[]; rows: string[][] }
  | { kind: 'code'; text: string }
  | { kind: 'rule' };

const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** Splits a pipe-table row on unescaped `|`, keeping `\|` in the cell for the inline pass. */
function tableCells(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return body.split(/(?<!\\)\|/).map((c) => c.trim());
}

function alignmentOf(rule: string): 'left' | 'right' | 'center' {
  if (rule.startsWith(':') && rule.endsWith(':')) return 'center';
  return rule.endsWith(':') ? 'right' : 'left';
}

/** Block structure of a Markdown text (a practical subset of CommonMark). */
export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  const isBlank = (l: string | undefined) => l === undefined || l.trim() === '';
  const startsBlock = (l: string, next: string | undefined) =>
    /^#{1,6}\s/.test(l) || l.startsWith('>') || l.startsWith('```') || LIST_ITEM.test(l) || /^\s*(-{3,}|\*{3,})\s*$/.test(l)
    || (l.trim().startsWith('|') && next !== undefined && TABLE_RULE.test(next));
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) { i++; continue; }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1].length, text: heading[2] });
      i++;
    } else if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) body.push(lines[i++]);
      i++;
      blocks.push({ kind: 'code', text: body.join('\n') });
    } else if (line.trim().startsWith('|') && TABLE_RULE.test(lines[i + 1] ?? '')) {
      const head = tableCells(line);
      const align = tableCells(lines[i + 1]).map(alignmentOf);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trim().startsWith('|')) rows.push(tableCells(lines[i++]));
      blocks.push({ kind: 'table', head, align, rows });
    } else if (line.startsWith('>')) {
      const body: string[] = [];
      while (i < lines.length && lines[i].startsWith('>')) body.push(lines[i++].replace(/^>\s?/, ''));
      const paragraphs = body.join('\n').split(/\n\s*\n/).map((p) => p.replace(/\n/g, ' ').trim()).filter(Boolean);
      blocks.push({ kind: 'quote', paragraphs });
    } else if (/^\s*(-{3,}|\*{3,})\s*$/.test(line)) {
      blocks.push({ kind: 'rule' });
      i++;
    } else if (LIST_ITEM.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        if (LIST_ITEM.test(lines[i])) items.push(lines[i].replace(LIST_ITEM, ''));
        else if (/^\s+/.test(lines[i])) items[items.length - 1] += ` ${lines[i].trim()}`;
        else break;
        i++;
      }
      blocks.push({ kind: 'list', ordered, items });
    } else {
      const body: string[] = [];
      while (i < lines.length && !isBlank(lines[i]) && (body.length === 0 || !startsBlock(lines[i], lines[i + 1]))) body.push(lines[i++].trim());
      blocks.push({ kind: 'paragraph', text: body.join(' ') });
    }
  }
  return blocks;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Literal text: backslash escapes and the five HTML entities as the characters they stand for. */
function literal(text: string): string {
  return text.replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, '$1').replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]);
}

/** GitHub-style heading anchor: 'Intended use' -> 'intended-use'. */
export function headingSlug(text: string): string {
  return literal(text).toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s+/g, '-');
}

// Escaped characters are skipped as units, so `\*` never opens emphasis.
const INLINE = /(\\.|`[^`]+`|\*\*(?:\\.|[^*])+\*\*|\*[^*\s](?:\\.|[^*])*\*|\[(?:\\.|[^\]])+\]\([^)\s]+\)|https?:\/\/[^\s)|]+)/g;

function inline(text: string, keyBase: string, anchorPrefix: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  const push = (s: string) => { if (s) out.push(literal(s)); };
  for (const m of text.matchAll(INLINE)) {
    const token = m[0];
    const at = m.index ?? 0;
    push(text.slice(last, at));
    last = at + token.length;
    const key = `${keyBase}-${n++}`;
    if (token.startsWith('\\')) push(token);
    else if (token.startsWith('`')) out.push(<code key={key}>{token.slice(1, -1)}</code>);
    else if (token.startsWith('**')) out.push(<strong key={key}>{inline(token.slice(2, -2), key, anchorPrefix)}</strong>);
    else if (token.startsWith('*')) out.push(<em key={key}>{inline(token.slice(1, -1), key, anchorPrefix)}</em>);
    else if (token.startsWith('[')) {
      const [, label, href] = /^\[((?:\\.|[^\]])+)\]\(([^)\s]+)\)$/.exec(token) ?? [];
      out.push(link(href, inline(label ?? '', key, anchorPrefix), key, anchorPrefix));
    } else out.push(link(token, token, key, anchorPrefix));
  }
  push(text.slice(last));
  return out;
}

function link(href: string | undefined, label: ReactNode, key: string, anchorPrefix: string): ReactNode {
  if (href?.startsWith('#')) {
    const target = `${anchorPrefix}${href.slice(1)}`;
    // In-document links scroll the heading into view without touching the page's URL.
    return (
      <a key={key} href={`#${target}`} onClick={(e) => { e.preventDefault(); document.getElementById(target)?.scrollIntoView({ block: 'start', behavior: 'smooth' }); }}>
        {label}
      </a>
    );
  }
  if (!href || !/^https?:\/\//.test(href)) return <span key={key}>{label}</span>;
  return <a key={key} href={href} target="_blank" rel="noreferrer noopener">{label}</a>;
}

export interface MarkdownDocumentProps {
  source: string;
  className?: string;
  /** The HTML level of the document's `#` headings (2 makes `#` an h2, `##` an h3). Defaults to 3. */
  topLevel?: number;
}

export function MarkdownDocument({ source, className, topLevel = 3 }: MarkdownDocumentProps) {
  const anchorPrefix = `${useId().replace(/:/g, '')}-`;
  const blocks = parseMarkdown(source);
  let lastHeading = '';
  return (
    <div className={`md-document${className ? ` ${className}` : ''}`}>
      {blocks.map((block, i) => {
        const key = `b${i}`;
        switch (block.kind) {
          case 'heading': {
            lastHeading = literal(block.text).replace(/[*`]/g, '');
            const Tag = `h${Math.min(6, block.level + topLevel - 1)}` as 'h3';
            return <Tag key={key} id={`${anchorPrefix}${headingSlug(block.text)}`} className={`md-h md-h${block.level}`}>{inline(block.text, key, anchorPrefix)}</Tag>;
          }
          case 'paragraph':
            return <p key={key}>{inline(block.text, key, anchorPrefix)}</p>;
          case 'list': {
            const items = block.items.map((item, j) => <li key={j}>{inline(item, `${key}-${j}`, anchorPrefix)}</li>);
            return block.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
          }
          case 'quote':
            return <blockquote key={key}>{block.paragraphs.map((p, j) => <p key={j}>{inline(p, `${key}-${j}`, anchorPrefix)}</p>)}</blockquote>;
          case 'table':
            return (
              <div key={key} className="table-scroll">
                <table className="md-table">
                  {lastHeading && <caption className="visually-hidden">{lastHeading}</caption>}
                  <thead>
                    <tr>{block.head.map((h, j) => <th key={j} scope="col" style={{ textAlign: block.align[j] }}>{inline(h, `${key}-h${j}`, anchorPrefix)}</th>)}</tr>
                  </thead>
                  <tbody>
                    {block.rows.map((row, r) => (
                      <tr key={r}>
                        {row.map((cell, j) => (j === 0
                          ? <th key={j} scope="row">{inline(cell, `${key}-${r}-${j}`, anchorPrefix)}</th>
                          : <td key={j} style={{ textAlign: block.align[j] }}>{inline(cell, `${key}-${r}-${j}`, anchorPrefix)}</td>))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          case 'code':
            return <pre key={key}><code>{block.text}</code></pre>;
          case 'rule':
            return <hr key={key} />;
        }
      })}
    </div>
  );
}
