// The namespace files editor: a tree of the namespace's files, the open file in Monaco, and
// the actions of the namespace-files API (save, create a file or folder, upload, rename or
// move, delete). Loaded on demand with Monaco.
import Editor, { type OnMount } from "@monaco-editor/react";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { ErrorBanner, Spinner } from "../components/common";
import "../editor/fileLanguages";
import { monaco } from "../editor/monacoSetup";
import { useTheme } from "../theme";
import "./files.css";
import {
  isWithin,
  joinPath,
  languageFor,
  movedPath,
  parentOf,
  pathProblem,
  sortEntries,
  type FileEntry,
} from "./paths";

interface Selection {
  path: string;
  type: "File" | "Directory";
}

interface OpenFile {
  path: string;
  saved: string;
  text: string;
  /** not UTF-8 text: shown as such, never edited (saving would corrupt it) */
  binary?: boolean;
}

type Ask = { kind: "file" | "folder" | "move"; value: string } | null;

const ROOT = "";

/** The Monaco model of a file (one per file, so each keeps its undo history). */
const modelPath = (namespace: string, path: string) => `namespace-files/${namespace}/${path}`;

function useFolders(namespace: string) {
  const [folders, setFolders] = useState<Map<string, FileEntry[]>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(
    async (folder: string) => {
      try {
        const entries = sortEntries(await api.listFiles(namespace, folder));
        setFolders((current) => new Map(current).set(folder, entries));
        setError(null);
      } catch (reason) {
        setError(reason);
      }
    },
    [namespace],
  );
  return { folders, setFolders, error, load };
}

export default function NamespaceFiles({ namespace }: { namespace: string }) {
  const { theme } = useTheme();
  const { folders, setFolders, error: listError, load } = useFolders(namespace);
  const [expanded, setExpanded] = useState<Set<string>>(new Set([ROOT]));
  const [selected, setSelected] = useState<Selection | null>(null);
  const [open, setOpen] = useState<OpenFile | null>(null);
  const [ask, setAsk] = useState<Ask>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const upload = useRef<HTMLInputElement>(null);
  const saveRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    setFolders(new Map());
    setExpanded(new Set([ROOT]));
    setSelected(null);
    setOpen(null);
    void load(ROOT);
  }, [namespace, load, setFolders]);

  /** Reload every folder shown (after a change). */
  const refresh = useCallback(
    async (shown: Set<string> = expanded) => {
      await Promise.all([...shown].map((folder) => load(folder)));
    },
    [expanded, load],
  );

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  const dirty = open !== null && open.text !== open.saved;

  // leaving the page (reload, another site) with unsaved changes asks first
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
  const confirmDiscard = () => !dirty || window.confirm(`Discard the changes to ${open?.path}?`);

  const openFile = (path: string) =>
    run(async () => {
      if (open?.path !== path && !confirmDiscard()) return;
      setSelected({ path, type: "File" });
      const text = await api.readFile(namespace, path);
      if (text === null) {
        setOpen({ path, saved: "", text: "", binary: true });
        return;
      }
      // a model left from an earlier opening would show its unsaved text, not the file's
      const model = monaco.editor.getModel(monaco.Uri.parse(modelPath(namespace, path)));
      if (model && model.getValue() !== text) model.setValue(text);
      setOpen({ path, saved: text, text });
    });

  const toggleFolder = (path: string) => {
    setSelected({ path, type: "Directory" });
    const next = new Set(expanded);
    if (next.has(path)) next.delete(path);
    else {
      next.add(path);
      void load(path);
    }
    setExpanded(next);
  };

  const save = () =>
    run(async () => {
      if (!open) return;
      const text = open.text;
      await api.writeFile(namespace, open.path, new Blob([text]));
      setOpen((current) => (current && current.path === open.path ? { ...current, saved: text } : current));
      await refresh();
    });
  saveRef.current = () => void save();

  /** Where new files and folders go: the selected folder, or the selected file's folder. */
  const targetFolder = selected ? (selected.type === "Directory" ? selected.path : parentOf(selected.path)) : ROOT;

  const submitAsk = (event: FormEvent) => {
    event.preventDefault();
    if (!ask) return;
    const problem = pathProblem(ask.value);
    if (problem) {
      setError(new Error(problem));
      return;
    }
    void run(async () => {
      const shown = new Set(expanded);
      if (ask.kind === "move" && selected) {
        const to = joinPath(ROOT, ask.value);
        await api.moveFile(namespace, selected.path, to);
        // keep the moved folder open and the open file open, at their new places
        for (const folder of [...shown]) if (isWithin(folder, selected.path)) shown.delete(folder);
        for (let folder = parentOf(to); folder; folder = parentOf(folder)) shown.add(folder);
        if (selected.type === "Directory") shown.add(to);
        if (open && isWithin(open.path, selected.path)) setOpen({ ...open, path: movedPath(open.path, selected.path, to) });
        setSelected({ path: to, type: selected.type });
      } else {
        const path = joinPath(targetFolder, ask.value);
        if (ask.kind === "folder") {
          await api.createFolder(namespace, path);
          shown.add(path);
          setSelected({ path, type: "Directory" });
        } else {
          if (!confirmDiscard()) return;
          await api.writeFile(namespace, path, new Blob([""]));
          setSelected({ path, type: "File" });
          setOpen({ path, saved: "", text: "" });
        }
        for (let folder = parentOf(path); folder; folder = parentOf(folder)) shown.add(folder);
      }
      setAsk(null);
      setExpanded(shown);
      await refresh(shown);
    });
  };

  const remove = () => {
    if (!selected) return;
    const what = selected.type === "Directory" ? `the folder ${selected.path} and everything in it` : selected.path;
    if (!window.confirm(`Delete ${what}?`)) return;
    void run(async () => {
      await api.deleteFile(namespace, selected.path);
      if (open && isWithin(open.path, selected.path)) setOpen(null);
      const shown = new Set([...expanded].filter((folder) => !isWithin(folder, selected.path) || folder === ROOT));
      setSelected(null);
      setExpanded(shown);
      setFolders((current) => new Map([...current].filter(([folder]) => shown.has(folder))));
      await refresh(shown);
    });
  };

  const uploadFiles = (files: FileList | null) => {
    if (!files?.length) return;
    const folder = targetFolder;
    void run(async () => {
      for (const file of Array.from(files)) await api.writeFile(namespace, joinPath(folder, file.name), file);
      const shown = new Set(expanded).add(folder);
      setExpanded(shown);
      await refresh(shown);
    });
    if (upload.current) upload.current.value = "";
  };

  const onMount: OnMount = (editor) => {
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => saveRef.current());
  };

  const renderFolder = (folder: string, depth: number) => {
    const entries = folders.get(folder);
    if (!entries)
      return (
        <li className="muted small" style={{ paddingLeft: depth * 14 + 8 }}>
          Loading…
        </li>
      );
    if (!entries.length && folder === ROOT)
      return <li className="muted small files-empty">No file yet: create or upload one.</li>;
    return entries.map((entry) => {
      const path = joinPath(folder, entry.fileName);
      const isFolder = entry.type === "Directory";
      const isOpen = expanded.has(path);
      return (
        <li key={path}>
          <button
            type="button"
            className={`files-item${selected?.path === path ? " selected" : ""}`}
            style={{ paddingLeft: depth * 14 + 8 }}
            onClick={() => (isFolder ? toggleFolder(path) : void openFile(path))}
            aria-expanded={isFolder ? isOpen : undefined}
            data-path={path}
          >
            <span aria-hidden="true" className="files-icon">
              {isFolder ? (isOpen ? "▾" : "▸") : "·"}
            </span>
            {entry.fileName}
            {isFolder ? "/" : ""}
          </button>
          {isFolder && isOpen ? <ul className="files-tree">{renderFolder(path, depth + 1)}</ul> : null}
        </li>
      );
    });
  };

  return (
    <section className="card namespace-files" data-testid="namespace-files">
      <div className="card-head">
        <h3>Files</h3>
        <div className="files-actions">
          <button type="button" onClick={() => setAsk({ kind: "file", value: "" })} disabled={busy}>
            New file
          </button>
          <button type="button" onClick={() => setAsk({ kind: "folder", value: "" })} disabled={busy}>
            New folder
          </button>
          <button type="button" onClick={() => upload.current?.click()} disabled={busy}>
            Upload
          </button>
          <input
            ref={upload}
            type="file"
            multiple
            hidden
            onChange={(event) => uploadFiles(event.target.files)}
            data-testid="files-upload"
          />
          <button
            type="button"
            onClick={() => selected && setAsk({ kind: "move", value: selected.path })}
            disabled={busy || !selected}
          >
            Rename / move
          </button>
          <button type="button" className="danger" onClick={remove} disabled={busy || !selected}>
            Delete
          </button>
        </div>
      </div>
      {ask ? (
        <form className="files-ask row-gap" onSubmit={submitAsk}>
          <label htmlFor="files-ask-input">
            {ask.kind === "move" ? `New path of ${selected?.path}` : `New ${ask.kind} in /${targetFolder}`}
          </label>
          <input
            id="files-ask-input"
            type="text"
            value={ask.value}
            onChange={(event) => setAsk({ ...ask, value: event.target.value })}
            autoFocus
            placeholder={ask.kind === "folder" ? "scripts" : "etl.py"}
          />
          <button type="submit" className="primary" disabled={busy}>
            {ask.kind === "move" ? "Move" : "Create"}
          </button>
          <button type="button" onClick={() => setAsk(null)}>
            Cancel
          </button>
        </form>
      ) : null}
      <ErrorBanner error={error ?? listError} />
      <div className="files-body">
        <nav className="files-side" aria-label="Namespace files">
          <ul className="files-tree" data-testid="files-tree">
            {renderFolder(ROOT, 0)}
          </ul>
        </nav>
        <div className="files-main">
          {open ? (
            <>
              <div className="files-bar row-gap">
                <code data-testid="open-file">{open.path}</code>
                {dirty ? <span className="muted small">modified</span> : <span className="muted small">saved</span>}
                <button type="button" className="primary" onClick={() => void save()} disabled={busy || !dirty || open.binary}>
                  Save
                </button>
              </div>
              {open.binary ? (
                <div className="empty">This is not a text file: it cannot be edited here.</div>
              ) : (
                <div className="files-editor" data-testid="file-editor">
                  <Editor
                    path={modelPath(namespace, open.path)}
                    language={languageFor(open.path)}
                    value={open.text}
                    theme={theme === "dark" ? "vs-dark" : "vs"}
                    onChange={(text) => setOpen((current) => (current ? { ...current, text: text ?? "" } : current))}
                    onMount={onMount}
                    loading={<Spinner label="Loading the editor…" />}
                    options={{ automaticLayout: true, minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false }}
                  />
                </div>
              )}
            </>
          ) : (
            <div className="empty">{busy ? "Opening…" : "Open a file to edit it, or create one."}</div>
          )}
        </div>
      </div>
    </section>
  );
}
