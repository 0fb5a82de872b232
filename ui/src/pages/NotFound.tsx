import { Link } from "react-router";
import { Empty, PageHeader } from "../components/common";

export function NotFoundPage() {
  return (
    <div className="page">
      <PageHeader title="Page not found" />
      <Empty>
        Nothing lives at this address. Go to the <Link to="/">dashboard</Link> or the <Link to="/flows">flows</Link>.
      </Empty>
    </div>
  );
}
