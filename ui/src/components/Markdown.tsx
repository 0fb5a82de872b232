// Just enough markdown for plugin and property descriptions: paragraphs, fenced code blocks,
// bullet lists, `inline code`, **bold** and [links](…). Text is never injected as HTML.
import { Fragment, type ReactNode } from "react";

function inline(text: string): ReactNode[] {
  const parts: ReactNode[] = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g;
  let last = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text))) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    if (match[1] !== undefined) parts.push(<code key={match.index}>{match[1]}</code>);
    else if (match[2] !== undefined) parts.push(<strong key={match.index}>{match[2]}</strong>);
    else
      parts.push(
        <a key={match.index} href={match[4]} target="_blank" rel="noreferrer">
          {match[3]}
        </a>,
      );
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  const blocks: ReactNode[] = [];
  const chunks = text.split(/(```[\s\S]*?```)/);
  chunks.forEach((chunk, index) => {
    if (chunk.startsWith("```")) {
      const body = chunk.replace(/^```\w*\n?/, "").replace(/```$/, "");
      blocks.push(
        <pre key={index} className="code">
          {body.replace(/\s+$/, "")}
        </pre>,
      );
      return;
    }
    chunk
      .split(/\n\s*\n/)
      .map((paragraph) => paragraph.trim())
      .filter(Boolean)
      .forEach((paragraph, p) => {
        const lines = paragraph.split("\n");
        if (lines.every((line) => /^\s*[-*] /.test(line))) {
          blocks.push(
            <ul key={`${index}-${p}`}>
              {lines.map((line, l) => (
                <li key={l}>{inline(line.replace(/^\s*[-*] /, ""))}</li>
              ))}
            </ul>,
          );
        } else if (/^#{1,6} /.test(paragraph)) {
          blocks.push(<h4 key={`${index}-${p}`}>{inline(paragraph.replace(/^#+ /, ""))}</h4>);
        } else {
          blocks.push(
            <p key={`${index}-${p}`}>
              {lines.map((line, l) => (
                <Fragment key={l}>
                  {l > 0 ? " " : null}
                  {inline(line)}
                </Fragment>
              ))}
            </p>,
          );
        }
      });
  });
  return <div className={className ?? "markdown"}>{blocks}</div>;
}
