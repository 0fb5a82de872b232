import { lazy, Suspense } from "react";
import { createBrowserRouter, RouterProvider } from "react-router";
import { Spinner } from "./components/common";
import { Layout } from "./components/Layout";
import { BlueprintsPage } from "./pages/Blueprints";
import { DashboardPage } from "./pages/Dashboard";
import { ExecutionsPage } from "./pages/Executions";
import { FlowsPage } from "./pages/Flows";
import { LoginPage } from "./pages/Login";
import { NamespacesPage } from "./pages/Namespaces";
import { NotFoundPage } from "./pages/NotFound";
import { PluginsPage } from "./pages/Plugins";
import { TriggersPage } from "./pages/Triggers";
import { ApiDocsPage } from "./pages/ApiDocs";
import { ExecutionPage } from "./pages/execution/ExecutionPage";
import { ThemeProvider } from "./theme";

// Monaco is large: the editor page loads it on demand.
const FlowEditorPage = lazy(() => import("./pages/editor/FlowEditorPage"));

const editor = (
  <Suspense fallback={<Spinner label="Loading the editor…" />}>
    <FlowEditorPage />
  </Suspense>
);

const router = createBrowserRouter(
  [
    { path: "login", element: <LoginPage /> },
    {
      element: <Layout />,
      children: [
        { index: true, element: <DashboardPage /> },
        { path: "flows", element: <FlowsPage /> },
        { path: "flows/new", element: editor },
        { path: "flows/edit/:namespace/:id", element: editor },
        { path: "executions", element: <ExecutionsPage /> },
        { path: "executions/:namespace/:flowId/:id", element: <ExecutionPage /> },
        { path: "executions/:id", element: <ExecutionPage /> },
        { path: "namespaces", element: <NamespacesPage /> },
        { path: "namespaces/:namespace", element: <NamespacesPage /> },
        { path: "triggers", element: <TriggersPage /> },
        { path: "blueprints", element: <BlueprintsPage /> },
        { path: "plugins", element: <PluginsPage /> },
        { path: "plugins/:type", element: <PluginsPage /> },
        { path: "api-docs", element: <ApiDocsPage /> },
        { path: "*", element: <NotFoundPage /> },
      ],
    },
  ],
  { basename: "/ui" },
);

export function App() {
  return (
    <ThemeProvider>
      <RouterProvider router={router} />
    </ThemeProvider>
  );
}
