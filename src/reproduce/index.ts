export type { Budget, BudgetName, AttackBudget } from './budgets.js';
export { BUDGET_NAMES, budgetFor } from './budgets.js';
export type { ExperimentName, Variant } from './experiments.js';
export {
  EXPERIMENT_NAMES,
  experimentVariants,
  variantConfig,
  panelVariants,
  mapVariant,
} from './experiments.js';
export type { ExperimentData } from './data.js';
export { loadExperimentData, firstImages } from './data.js';
export type { ProgressFile } from './progress.js';
export { Progress } from './progress.js';
export type { ReproduceAttack, AttackSummary } from './attack-stage.js';
export { REPRODUCE_ATTACKS, attackSettings } from './attack-stage.js';
export type { ReproduceOptions, ReproduceResult } from './reproduce.js';
export { reproduce } from './reproduce.js';
export { figureGrid } from './pictures.js';
