import type { FieldValue, InputField } from "./form";

interface Props {
  fields: readonly InputField[];
  values: Record<string, FieldValue>;
  problems: Record<string, string>;
  onChange: (id: string, value: FieldValue) => void;
}

function Control({ field, value, onChange }: { field: InputField; value: FieldValue; onChange: (value: FieldValue) => void }) {
  const id = `input-${field.id}`;
  const common = { id, name: field.id, "data-input": field.id, "aria-describedby": `${id}-help` };
  const textValue = typeof value === "string" ? value : "";
  switch (field.kind) {
    case "boolean":
      return <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
    case "select":
      return (
        <>
          <select {...common} value={textValue} onChange={(e) => onChange(e.target.value)}>
            {(!field.required || field.hasDefault || textValue === "") && <option value="">—</option>}
            {field.options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
          {field.allowCustomValue && (
            <input
              type="text"
              aria-label={`${field.label} (custom value)`}
              placeholder="or type a value"
              value={field.options.includes(textValue) ? "" : textValue}
              onChange={(e) => onChange(e.target.value)}
            />
          )}
        </>
      );
    case "multiselect": {
      const chosen = Array.isArray(value) ? value : [];
      return (
        <div {...common} role="group" className="checks">
          {field.options.map((option) => (
            <label key={option} className="check">
              <input
                type="checkbox"
                checked={chosen.includes(option)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...chosen, option] : chosen.filter((item) => item !== option))
                }
              />
              {option}
            </label>
          ))}
        </div>
      );
    }
    case "textarea":
      return (
        <textarea {...common} rows={4} value={textValue} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} />
      );
    case "file":
      return <input {...common} type="file" onChange={(e) => onChange(e.target.files?.[0] ?? null)} />;
    case "int":
      return <input {...common} type="number" step={1} value={textValue} onChange={(e) => onChange(e.target.value)} />;
    case "float":
      return <input {...common} type="number" step="any" value={textValue} onChange={(e) => onChange(e.target.value)} />;
    case "date":
      return <input {...common} type="date" value={textValue} onChange={(e) => onChange(e.target.value)} />;
    case "datetime":
      return <input {...common} type="datetime-local" step={1} value={textValue} onChange={(e) => onChange(e.target.value)} />;
    case "time":
      return <input {...common} type="time" step={1} value={textValue} onChange={(e) => onChange(e.target.value)} />;
    case "secret":
      return (
        <input {...common} type="password" autoComplete="off" value={textValue} onChange={(e) => onChange(e.target.value)} />
      );
    default:
      return (
        <input {...common} type="text" value={textValue} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} />
      );
  }
}

/** One labelled control per flow input, with its description and any problem found. */
export function InputForm({ fields, values, problems, onChange }: Props) {
  return (
    <div className="input-form">
      {fields.map((field) => (
        <div key={field.id} className={problems[field.id] ? "field invalid" : "field"}>
          <label htmlFor={`input-${field.id}`}>
            {field.label}
            {field.required && !field.hasDefault ? <span className="req"> *</span> : null}
            <span className="muted small"> {field.type}</span>
          </label>
          <Control field={field} value={values[field.id] ?? field.initial} onChange={(value) => onChange(field.id, value)} />
          <div id={`input-${field.id}-help`} className="small muted">
            {field.description}
            {problems[field.id] ? <span className="error-text"> {problems[field.id]}</span> : null}
          </div>
        </div>
      ))}
    </div>
  );
}
