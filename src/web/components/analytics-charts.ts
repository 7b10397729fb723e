import * as echarts from 'echarts/core';
import { FunnelChart, HeatmapChart } from 'echarts/charts';
import { MarkLineComponent, VisualMapComponent } from 'echarts/components';

// The analytics pages draw funnels and heat maps besides Chart.tsx's bars and lines: registered
// here (tree-shaken, into the shared ECharts chunk) by the pages that import this module.
echarts.use([FunnelChart, HeatmapChart, VisualMapComponent, MarkLineComponent]);
