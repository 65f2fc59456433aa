// A time-series chart (uPlot) that follows its container's width. The numbers it draws are also
// in the tables next to it, and its label names what it shows, for readers without the picture.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  color: string;
  dash?: number[];
  /** Formats a value in the legend. */
  format: (v: number | null) => string;
}

interface Props {
  title: string;
  lines: Line[];
  /** [times (s), ...one array per line]. */
  data: (number | null)[][];
  /** The y axis starts at the first and reaches at least the second (more when data does). */
  yRange: [number, number];
}

export function Chart({ title, lines, data, yRange }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: 180,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [yRange[0], Math.max(yRange[1], max ?? 0)] },
      },
      axes: [
        { stroke: '#333' },
        { stroke: '#333', size: 72, values: (_u, vals) => vals.map((v) => lines[0]!.format(v)) },
      ],
      series: [
        {},
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 2,
          ...(l.dash ? { dash: l.dash } : {}),
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => l.format(v),
        })),
      ],
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(el.clientWidth, 200), height: 180 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The lines of one chart never change; new points come through setData below.
  }, []);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
