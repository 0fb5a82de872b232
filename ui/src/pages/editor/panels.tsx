// The side panels of the flow editor. A new view (e.g. the topology preview) is one more
// entry here: it receives the editor's text and cursor and renders beside the source.
import type { ReactNode } from "react";
import type { CursorTask } from "../../editor/yamlCursor";

export interface EditorContext {
  source: string;
  namespace: string | null;
  id: string | null;
  revision: number | null;
  cursorTask: CursorTask | null;
  setSource: (source: string) => void;
}

export interface EditorPanel {
  id: string;
  label: string;
  render: (context: EditorContext) => ReactNode;
}
