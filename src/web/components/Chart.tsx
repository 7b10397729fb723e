import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';
import { useUi } from '../context.tsx';
import { download } from './download.ts';

// Tree-shaken: only the charts, components and renderers the console draws with.
echarts.use([BarChart, LineChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer, SVGRenderer]);

export interface ChartClick {
  readonly name: string;
  readonly dataIndex: number;
}

const localeOf = (lang: string) => (lang === 'en' ? 'EN' : 'ZH');

/** An ECharts chart (canvas) with PNG and SVG exports; the SVG is drawn by a second, server-side-style instance. */
export function Chart({ id, title, option, height = 300, filename, onClick, compact = false }: { id: string; title: string; option: EChartsCoreOption; height?: number; filename: string; onClick?: (c: ChartClick) => void; compact?: boolean }) {
  const { t, lang } = useUi();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const clicked = useRef(onClick);
  clicked.current = onClick;

  useEffect(() => {
    if (!box.current) return undefined;
    const c = echarts.init(box.current, null, { renderer: 'canvas', locale: localeOf(lang) });
    chart.current = c;
    c.on('click', (p) => clicked.current?.({ name: String((p as { name?: unknown }).name ?? ''), dataIndex: Number((p as { dataIndex?: unknown }).dataIndex ?? -1) }));
    const resize = () => c.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      c.dispose();
      chart.current = null;
    };
  }, [lang]);

  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, animation: false, ...option }, true);
  }, [option, lang]);

  const png = () => {
    const url = chart.current?.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
    if (url) download(`${filename}.png`, url);
  };
  const svg = () => {
    const width = box.current?.clientWidth || 800;
    const ssr = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height, locale: localeOf(lang) });
    try {
      ssr.setOption({ animation: false, backgroundColor: '#ffffff', ...option });
      download(`${filename}.svg`, new Blob([ssr.renderToSVGString()], { type: 'image/svg+xml' }));
    } finally {
      ssr.dispose();
    }
  };

  return (
    <figure className={compact ? 'chart compact' : 'chart'} aria-labelledby={`${id}-title`}>
      <div className="block-head">
        <figcaption id={`${id}-title`}>{title}</figcaption>
        <span className="actions">
            <button type="button" onClick={png} data-export="png">
              {t('export.png')}
            </button>
            <button type="button" onClick={svg} data-export="svg">
              {t('export.svg')}
            </button>
        </span>
      </div>
      <div ref={box} id={id} style={{ height }} role="img" aria-label={title} />
    </figure>
  );
}
