/**
 * AutoML's two reports in place of Autopilot's notebooks, each as JSON (the studio's
 * pages) and Markdown (the download): the data exploration ({@link explorationReport})
 * and the candidate definitions with the commands that rebuild each candidate
 * ({@link candidateReport}). Pure: what they need is passed in; the correlations come
 * from the SQL {@link correlationQuery} writes.
 */
export { explorationReport, LEAKAGE_CORRELATION } from './exploration.js';
export type { ExplorationAnalysis, ExplorationColumnJson, ExplorationOptions, ExplorationReportJson, ExplorationWarning, VersionStats } from './exploration.js';
export { candidateReport, describeStep } from './candidates.js';
export type { CandidateFoldsJson, CandidateJson, CandidateReportJson, CandidateReportOptions, FoldDataJson, FoldRecipeJson, RecipeStepJson, ReportRecipe } from './candidates.js';
export { correlationQuery, readCorrelations } from './correlation.js';
export type { CorrelationInput, CorrelationQuery } from './correlation.js';
export { foldDataCommands, foldRecipeCommands, foldRecipeFileName, recipeCommands, reproName, shellQuote, trainCommand } from './commands.js';
export type { CliCommand, FoldPlan, ReproduceOptions } from './commands.js';
