// The editor core with every editor feature (completion, hover, find…) but no language
// besides the ones imported explicitly: the bundle stays small.
declare module "monaco-editor/esm/vs/editor/edcore.main.js" {
  export * from "monaco-editor";
}
declare module "monaco-yaml/yaml.worker.js";
