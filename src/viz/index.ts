export type { Figure, LegendEntry } from './chart.js';
export { CLASS_COLORS, LINE_COLORS, classColor, viridis } from './palette.js';
export { pca2, project, unproject, symmetricEigen } from './pca.js';
export type { Projection2D } from './pca.js';
export { featurePlane, ellipseOf, planeCovariance } from './plane.js';
export type { FeaturePlane } from './plane.js';
export { featurePlot } from './feature-plot.js';
export type { PlaneFigureOptions } from './plane-frame.js';
export type { FeaturePlotOptions } from './feature-plot.js';
export { likelihoodMap } from './likelihood-map.js';
export type { LikelihoodMapOptions } from './likelihood-map.js';
export { rocPlot } from './roc.js';
export type { RocPlotOptions } from './roc.js';
export { trainingCurves } from './training-curves.js';
export type { TrainingCurvesOptions } from './training-curves.js';
export { lineChart } from './line-chart.js';
export type { Series, LineChartSpec } from './line-chart.js';
export { figureSvg, sideBySide, svgToPng, writeFigure, FIGURE_FORMATS } from './render.js';
export type { FigureFormat, WriteFigureOptions } from './render.js';
export { PLOT_KINDS, runFeaturePlot, runPanel, runLikelihoodMap, runRoc, runCurves } from './run-plots.js';
export type { PlotKind } from './run-plots.js';
// The run files the plots read: src/run owns them; lgm/viz has always offered them.
export {
  readFeaturesFile,
  checkRunFeatures,
  readRunFeatures,
  readRunMixture,
  checkMixture,
  readDetection,
  readMetrics,
  readAdversarialFeatures,
} from '../run/index.js';
export type {
  RunFeatures,
  RunMixture,
  Detection,
  DetectionFileRow as DetectionRow,
  MetricsRecord,
  AdversarialFeatures,
} from '../run/index.js';
export { writeReport, detectionTable } from './report.js';
export type { ReportOptions, ReportPart, ReportResult } from './report.js';
