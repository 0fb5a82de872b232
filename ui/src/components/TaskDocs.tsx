import { useEffect, useRef } from "react";
import { pluginDoc } from "../api/client";
import { typeDoc, type PropertyDoc } from "../editor/schemaDocs";
import { useLoad } from "../util/hooks";
import { ErrorBanner, Spinner } from "./common";
import { Markdown } from "./Markdown";

function PropertyRow({ property, active }: { property: PropertyDoc; active: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (active) ref.current?.scrollIntoView({ block: "nearest" });
  }, [active]);
  return (
    <div ref={ref} className={active ? "prop active" : "prop"} data-property={property.name}>
      <div className="prop-head">
        <code className="prop-name">{property.name}</code>
        {property.required && <span className="req">required</span>}
        {property.deprecated && <span className="tag">deprecated</span>}
        <span className="prop-type">{property.type}</span>
      </div>
      {property.description && <Markdown text={property.description} className="prop-desc" />}
      {property.default !== null && (
        <div className="small">
          Default: <code>{property.default}</code>
        </div>
      )}
      {property.examples.length > 0 && (
        <div className="small">
          Example:{" "}
          {property.examples.slice(0, 2).map((example, index) =>
            example.includes("\n") ? (
              <pre key={index} className="code">
                {example}
              </pre>
            ) : (
              <code key={index}>{example}</code>
            ),
          )}
        </div>
      )}
    </div>
  );
}

/** Documentation of a task or trigger type: description, examples, properties, outputs. */
export function TaskDocs({ type, property }: { type: string; property?: string | null }) {
  const doc = useLoad(() => pluginDoc(type).then(typeDoc), [type]);
  if (doc.error) return <ErrorBanner error={doc.error} title={`No documentation for ${type}`} />;
  if (!doc.data) return <Spinner />;
  const data = doc.data;
  return (
    <article className="task-docs" data-testid="task-docs" data-type={data.type}>
      <h2 className="docs-type">{data.type}</h2>
      {data.aliases.length > 0 && (
        <div className="small muted">
          Also: {data.aliases.map((alias) => <code key={alias}>{alias} </code>)}
        </div>
      )}
      <Markdown text={data.description} />
      {data.examples.length > 0 && (
        <>
          <h3>Example</h3>
          {data.examples.map((example, index) => (
            <pre key={index} className="code">
              {example}
            </pre>
          ))}
        </>
      )}
      <h3>Properties</h3>
      {data.properties
        .filter((prop) => !prop.common)
        .map((prop) => (
          <PropertyRow key={prop.name} property={prop} active={prop.name === property} />
        ))}
      <h3>Common properties</h3>
      {data.properties
        .filter((prop) => prop.common)
        .map((prop) => (
          <PropertyRow key={prop.name} property={prop} active={prop.name === property} />
        ))}
      {data.outputs.length > 0 && (
        <>
          <h3>Outputs</h3>
          {data.outputs.map((prop) => (
            <PropertyRow key={prop.name} property={prop} active={false} />
          ))}
        </>
      )}
    </article>
  );
}
