import { Link } from "react-router";
import { Empty, PageHeader } from "../components/common";
import { useDocumentTitle } from "../util/hooks";

export function BlueprintsPage() {
  useDocumentTitle("Blueprints");
  return (
    <div className="page">
      <PageHeader title="Blueprints" />
      <Empty>
        No blueprint is installed on this server yet. Start from a <Link to="/flows/new">new flow</Link>: the editor completes
        every task type and documents its properties.
      </Empty>
    </div>
  );
}
