/// <reference lib="dom" />
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { chartColumns, type Sample } from './series';

const CHART_HEIGHT_PX = 220;

const SERIES: uPlot.Series[] = [
  {},
  { label: 'canary weight %', stroke: '#e8590c', width: 2, scale: '%', paths: uPlot.paths.stepped?.({ align: 1 }) },
  { label: 'stable weight %', stroke: '#1c7ed6', width: 2, scale: '%', paths: uPlot.paths.stepped?.({ align: 1 }) },
  { label: 'canary Ready', stroke: '#e8590c', dash: [4, 4], scale: 'pods' },
  { label: 'stable Ready', stroke: '#1c7ed6', dash: [4, 4], scale: 'pods' },
];

/** Weights and Ready replicas over time (uPlot, drawn on a canvas; redrawn when the samples change). */
export function WeightsChart(props: { samples: Sample[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return;
    plot.current = new uPlot(
      {
        width: Math.max(320, box.current.clientWidth),
        height: CHART_HEIGHT_PX,
        series: SERIES,
        scales: { '%': { range: [0, 100] }, pods: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1)] } },
        axes: [
          {},
          { scale: '%', label: 'weight %' },
          { scale: 'pods', side: 1, label: 'Ready pods', grid: { show: false } },
        ],
      },
      chartColumns(props.samples) as uPlot.AlignedData,
      box.current,
    );
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => {
    plot.current?.setData(chartColumns(props.samples) as uPlot.AlignedData);
  }, [props.samples]);
  return h('div', { class: 'chart', ref: box, 'data-testid': 'weights-chart' });
}
