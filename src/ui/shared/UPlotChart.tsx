import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

interface UPlotChartProps {
  /** Builds the options for a given width; called again only when `optionsKey` changes. */
  options: (width: number) => Omit<uPlot.Options, 'width'>;
  /** Changes when the series layout changes (the chart is then rebuilt rather than updated). */
  optionsKey: string;
  data: uPlot.AlignedData;
  label: string;
  testId?: string;
}

/**
 * A uPlot canvas that follows its container's width and takes new data without being rebuilt, so a chart
 * can update on every training batch.
 */
export function UPlotChart({ options, optionsKey, data, label, testId }: UPlotChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    const u = new uPlot({ ...options(width), width }, latest.current, el);
    plot.current = u;
    const observer = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: u.height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series layout changes; data flows in through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [optionsKey]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={host} className="chart" data-testid={testId} role="img" aria-label={label} />;
}
