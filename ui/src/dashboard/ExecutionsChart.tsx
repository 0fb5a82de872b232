// Executions over time, stacked by state: a Chart.js bar chart (canvas), with the same numbers
// as a table one click away (for screen readers, and for copying).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { useEffect, useRef } from "react";
import { useTheme } from "../theme";
import { stateColorVariable, type ChartData } from "./chartData";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

export default function ExecutionsChart({ data }: { data: ChartData }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { theme } = useTheme();

  useEffect(() => {
    if (!canvas.current) return;
    const text = cssVariable("--muted");
    const grid = cssVariable("--border");
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((item) => ({
          label: item.state,
          data: item.counts,
          backgroundColor: cssVariable(stateColorVariable(item.state)),
          borderRadius: 2,
          maxBarThickness: 36,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, ticks: { color: text, autoSkip: true, maxRotation: 0 }, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
        },
        plugins: { legend: { position: "bottom", labels: { color: text, boxWidth: 12 } } },
      },
    });
    return () => chart.destroy();
  }, [data, theme]);

  return (
    <div>
      <div className="chart-box">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Executions over time: ${data.total} in the range`}
          data-testid="executions-chart"
        />
      </div>
      <details className="chart-table">
        <summary className="muted small">Show as a table</summary>
        <table data-testid="executions-chart-table">
          <thead>
            <tr>
              <th>Period (UTC)</th>
              {data.series.map((item) => (
                <th key={item.state}>{item.state}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.labels.map((label, index) =>
              data.series.some((item) => item.counts[index] > 0) ? (
                <tr key={`${label}-${index}`}>
                  <td>{label}</td>
                  {data.series.map((item) => (
                    <td key={item.state} className="num">
                      {item.counts[index]}
                    </td>
                  ))}
                </tr>
              ) : null,
            )}
          </tbody>
        </table>
      </details>
    </div>
  );
}
