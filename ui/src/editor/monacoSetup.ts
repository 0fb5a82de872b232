// Monaco bundled with the app (never from a CDN), its workers loaded by Vite, and monaco-yaml
// fed with the server's flow JSON Schema: completion of task types and properties, hover docs.
import { loader } from "@monaco-editor/react";
import * as monaco from "monaco-editor/esm/vs/editor/edcore.main.js";
import "monaco-editor/esm/vs/basic-languages/yaml/yaml.contribution.js";
import EditorWorker from "monaco-editor/esm/vs/editor/editor.worker.js?worker";
import { configureMonacoYaml, type JSONSchema } from "monaco-yaml";
import { flowSchema } from "../api/client";
import YamlWorker from "./yaml.worker.ts?worker";
import { isMonacoCancellation } from "./cancellation";

window.MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    return label === "yaml" ? new YamlWorker() : new EditorWorker();
  },
};

loader.config({ monaco });

// Monaco cancels pending work (hovers, validations, worker requests) with a "Canceled" error
// when an editor or its model goes away, e.g. on leaving a file; nothing awaits those promises.
// That is expected, not a failure of the page: keep it out of the error reports.
window.addEventListener("unhandledrejection", (event) => {
  if (isMonacoCancellation(event.reason)) event.preventDefault();
});
window.addEventListener("error", (event) => {
  if (isMonacoCancellation(event.error)) event.preventDefault();
});

/** Model paths of flow sources end like this; the flow schema applies to them only. */
export const FLOW_FILE_SUFFIX = ".flow.yaml";

let yamlReady: Promise<void> | null = null;

/** Configures monaco-yaml once, with the flow schema fetched from the server. */
export function setupFlowYaml(): Promise<void> {
  if (!yamlReady) {
    yamlReady = flowSchema().then((schema) => {
      configureMonacoYaml(monaco, {
        enableSchemaRequest: false,
        hover: true,
        completion: true,
        // the server validates (with hints and exact positions); the schema only helps typing
        validate: false,
        format: { enable: false },
        schemas: [
          {
            uri: `${window.location.origin}/api/v1/plugins/schemas/flow`,
            fileMatch: [`*${FLOW_FILE_SUFFIX}`],
            schema: schema as JSONSchema,
          },
        ],
      });
    });
    yamlReady.catch(() => {
      yamlReady = null;
    });
  }
  return yamlReady;
}

export { monaco };
