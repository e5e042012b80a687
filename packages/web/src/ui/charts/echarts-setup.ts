/**
 * ECharts with only what the dashboards draw: bar, line and Sankey charts, grid, legend and tooltip, on the canvas
 * renderer. Imported lazily by echart.tsx, so the wallet's first load does not carry the chart library.
 */
import { BarChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, SankeyChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export const { init } = echarts;
export type { EChartsType } from 'echarts/core';
