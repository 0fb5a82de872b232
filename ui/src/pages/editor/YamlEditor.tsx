import Editor, { type OnMount } from "@monaco-editor/react";
import { useEffect, useRef, useState } from "react";
import type { MarkerData } from "../../editor/markers";
import { FLOW_FILE_SUFFIX, monaco, setupFlowYaml } from "../../editor/monacoSetup";
import { useTheme } from "../../theme";

type CodeEditor = Parameters<OnMount>[0];

export interface EditorApi {
  reveal: (line: number, column: number) => void;
  focus: () => void;
}

interface Props {
  /** distinguishes models (one per edited flow) */
  modelName: string;
  value: string;
  onChange: (value: string) => void;
  markers: readonly MarkerData[];
  onCursor?: (line: number, column: number) => void;
  onSave?: () => void;
  onReady?: (api: EditorApi) => void;
}

const OWNER = "lanner-validation";

/** Monaco for a flow's YAML: schema completion and hover (monaco-yaml), server markers, Ctrl+S. */
export function YamlEditor({ modelName, value, onChange, markers, onCursor, onSave, onReady }: Props) {
  const { theme } = useTheme();
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<unknown>(null);
  const editorRef = useRef<CodeEditor | null>(null);
  const saveRef = useRef(onSave);
  saveRef.current = onSave;
  const cursorRef = useRef(onCursor);
  cursorRef.current = onCursor;

  useEffect(() => {
    setupFlowYaml().then(
      () => setReady(true),
      (error: unknown) => {
        setFailed(error);
        setReady(true); // edit without completion rather than not at all
      },
    );
  }, []);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      OWNER,
      markers.map((marker) => ({
        ...marker,
        severity: marker.severity === "error" ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
      })),
    );
  }, [markers, ready]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => saveRef.current?.());
    editor.onDidChangeCursorPosition((event) => cursorRef.current?.(event.position.lineNumber, event.position.column));
    onReady?.({
      reveal(line, column) {
        editor.revealLineInCenter(line);
        editor.setPosition({ lineNumber: line, column });
        editor.focus();
      },
      focus: () => editor.focus(),
    });
    // make the markers of the first validation appear on the new model
    setReady((current) => current);
  };

  if (!ready) return <div className="editor-loading">Loading the flow schema…</div>;
  return (
    <div className="editor-frame" data-testid="yaml-editor">
      {failed ? (
        <div className="banner banner-warn small">The flow schema could not be loaded: no completion or hover docs.</div>
      ) : null}
      <Editor
        path={`${modelName}${FLOW_FILE_SUFFIX}`}
        language="yaml"
        value={value}
        theme={theme === "dark" ? "vs-dark" : "vs"}
        onChange={(text) => onChange(text ?? "")}
        onMount={onMount}
        options={{
          automaticLayout: true,
          minimap: { enabled: false },
          fontSize: 13,
          tabSize: 2,
          insertSpaces: true,
          scrollBeyondLastLine: false,
          quickSuggestions: { other: true, comments: false, strings: true },
          renderWhitespace: "selection",
          fixedOverflowWidgets: true,
          wordBasedSuggestions: "off",
        }}
      />
    </div>
  );
}
