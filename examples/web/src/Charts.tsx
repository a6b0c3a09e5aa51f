// A bar chart in plain SVG (no chart library to ship): one bar a day, the values in a table for
// screen readers and keyboard users.
export function BarChart({ title, bars, format = String }: { title: string; bars: Array<{ label: string; value: number }>; format?: (value: number) => string }) {
  const width = 640;
  const height = 160;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const step = width / Math.max(1, bars.length);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={`${title}: ${bars.map((bar) => `${bar.label} ${format(bar.value)}`).join(', ')}`}>
        {bars.map((bar, index) => {
          const barHeight = (bar.value / max) * height;
          return (
            <g key={index}>
              <rect x={index * step + 2} y={height - barHeight} width={Math.max(1, step - 4)} height={barHeight} fill="#2f5d8a">
                <title>{`${bar.label}: ${format(bar.value)}`}</title>
              </rect>
              <text x={index * step + step / 2} y={height + 14} fontSize="10" textAnchor="middle" fill="#333">
                {bar.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
