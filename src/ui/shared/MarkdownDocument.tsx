/**
 * A Markdown document (a model card, an attribution note) rendered as React elements by react-markdown with GitHub
 * tables (remark-gfm). Safe by default: raw HTML in the text is shown as text, never parsed; only http(s) links
 * open (in a new tab, without the page as opener) and links to the document's own headings scroll to them; any
 * other link (javascript:, data:, file:) is shown as its text.
 */
import { Children, isValidElement, useId, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/** The text of rendered children (for heading anchors). */
function textOf(node: ReactNode): string {
  return Children.toArray(node).map((child) => {
    if (typeof child === 'string' || typeof child === 'number') return String(child);
    if (isValidElement<{ children?: ReactNode }>(child)) return textOf(child.props.children);
    return '';
  }).join('');
}

/** GitHub-style heading anchor: 'Intended use' -> 'intended-use'. */
export function headingSlug(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s+/g, '-');
}

export interface MarkdownDocumentProps {
  source: string;
  className?: string;
  /** The HTML level of the document's `#` headings (2 makes `#` an h2, `##` an h3). Defaults to 3. */
  topLevel?: number;
}

function components(topLevel: number, anchorPrefix: string): Components {
  const heading = (level: number) => function Heading({ children }: { children?: ReactNode }) {
    const Tag = `h${Math.min(6, level + topLevel - 1)}` as 'h3';
    return <Tag id={`${anchorPrefix}${headingSlug(textOf(children))}`} className={`md-h md-h${level}`}>{children}</Tag>;
  };
  return {
    h1: heading(1), h2: heading(2), h3: heading(3), h4: heading(4), h5: heading(5), h6: heading(6),
    a: ({ href, children }) => {
      if (href?.startsWith('#')) {
        const target = `${anchorPrefix}${href.slice(1)}`;
        // In-document links scroll the heading into view without touching the page's URL.
        return (
          <a href={`#${target}`} onClick={(e) => { e.preventDefault(); document.getElementById(target)?.scrollIntoView({ block: 'start', behavior: 'smooth' }); }}>
            {children}
          </a>
        );
      }
      if (!href || !/^https?:\/\//i.test(href)) return <span>{children}</span>;
      return <a href={href} target="_blank" rel="noreferrer noopener">{children}</a>;
    },
    table: ({ children }) => <div className="table-scroll"><table className="md-table">{children}</table></div>,
    img: ({ alt }) => <span>{alt}</span>,
  };
}

export function MarkdownDocument({ source, className, topLevel = 3 }: MarkdownDocumentProps) {
  const anchorPrefix = `${useId().replace(/:/g, '')}-`;
  return (
    <div className={`md-document${className ? ` ${className}` : ''}`}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml={false} components={components(topLevel, anchorPrefix)}>
        {source}
      </ReactMarkdown>
    </div>
  );
}
