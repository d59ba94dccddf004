/**
 * A script-mode training job that counts `SM_HP_STEPS` steps 200 ms apart, keeping its
 * step in `SM_CHECKPOINT_DIR` so a second attempt resumes where the first was cut off,
 * and writes `done` to its model at the end. With `orphanHelper`, it also leaves a silent
 * process in its group, which outlives its server unless the platform reaps it.
 */
export function checkpointedSteps(options: { orphanHelper?: boolean } = {}): string {
  const helper = options.orphanHelper ? `require('node:child_process').spawn('sleep', ['1000'], { stdio: 'ignore' }).unref();\n` : '';
  return `
const fs = require('node:fs'); const path = require('node:path');
${helper}const state = path.join(process.env.SM_CHECKPOINT_DIR, 'state.json');
let step = 0;
try { step = JSON.parse(fs.readFileSync(state, 'utf8')).step; } catch {}
const steps = Number(process.env.SM_HP_STEPS);
const tick = () => {
  if (step >= steps) return fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'done'), String(step));
  step++;
  fs.writeFileSync(state + '.tmp', JSON.stringify({ step }));
  fs.renameSync(state + '.tmp', state);
  console.log('step=' + step);
  setTimeout(tick, 200);
};
tick();
`;
}
