import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

/** Where `npm run build` leaves the bundle: next to the compiled worker (dist/workflow-bundle.js). */
export const BUILT_WORKFLOW_BUNDLE = path.join(__dirname, '..', 'workflow-bundle.js');

const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

/**
 * Bundles src/workflows into one file. Done ahead of time, it spares every worker process the bundler at start:
 * webpack leaves about 150 MB in the process that runs it (measured on this code), which a worker would carry
 * for its whole life.
 */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, code);
}

/**
 * The worker's workflow code: the bundle named by WORKFLOW_BUNDLE, else the one built next to it, else
 * src/workflows bundled at start (a development run under tsx).
 */
export function workflowCode(configured?: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`WORKFLOW_BUNDLE names ${configured}, which does not exist: run npm run build or unset it`);
    return { workflowBundle: { codePath: configured } };
  }
  if (existsSync(BUILT_WORKFLOW_BUNDLE)) return { workflowBundle: { codePath: BUILT_WORKFLOW_BUNDLE } };
  return { workflowsPath: require.resolve('../workflows') };
}

if (require.main === module) {
  // `npm run build`: node dist/temporal/workflow-bundle.js
  writeWorkflowBundle(BUILT_WORKFLOW_BUNDLE).then(
    () => console.log(`workflow bundle written to ${path.relative(process.cwd(), BUILT_WORKFLOW_BUNDLE)}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
