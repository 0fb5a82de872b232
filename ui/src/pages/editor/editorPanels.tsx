import { Empty } from "../../components/common";
import { TaskDocs } from "../../components/TaskDocs";
import { SourceTopology } from "../../topology/FlowTopology";
import type { EditorPanel } from "./panels";
import { RevisionsPanel } from "./RevisionsPanel";
import { WebhookList } from "../../triggers/WebhookCurl";
import { webhooksOfSource } from "../../triggers/webhook";

function TriggersPanel({ source }: { source: string }) {
  const hooks = webhooksOfSource(source, window.location.origin);
  if (hooks.length === 0)
    return (
      <Empty>
        No Webhook trigger in this flow. Add one under <code>triggers:</code> (type{" "}
        <code>io.kestra.plugin.core.trigger.Webhook</code> with a <code>key</code>) to get its URL and a ready cURL command here.
      </Empty>
    );
  return <WebhookList hooks={hooks} />;
}

export const EDITOR_PANELS: EditorPanel[] = [
  {
    id: "docs",
    label: "Documentation",
    render: ({ cursorTask }) =>
      cursorTask ? (
        <TaskDocs type={cursorTask.type} property={cursorTask.property} />
      ) : (
        <Empty>
          Put the cursor inside a task to read the documentation of its type here: every property, its type, default and
          examples. In the editor, <kbd>Ctrl</kbd>+<kbd>Space</kbd> completes task types and properties.
        </Empty>
      ),
  },
  {
    id: "topology",
    label: "Topology",
    render: ({ source }) => <SourceTopology source={source} />,
  },
  {
    id: "triggers",
    label: "Triggers",
    render: ({ source }) => <TriggersPanel source={source} />,
  },
  {
    id: "revisions",
    label: "Revisions",
    render: ({ namespace, id, revision, source, setSource }) => (
      <RevisionsPanel namespace={namespace} id={id} revision={revision} current={source} onRestore={setSource} />
    ),
  },
];
