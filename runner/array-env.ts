// An array child's index in the runner's environment, as AWS Batch gives it to a container. A warm
// runner serves many attempts, so the variables are set for one attempt and restored after it.
import { ARRAY_INDEX_VARIABLES } from '../api/schemas/array-spec.ts';

/** Sets GPUBATCH_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_INDEX (when `index` is given); returns the undo. */
export function setArrayIndexEnv(
  index: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): () => void {
  const before = ARRAY_INDEX_VARIABLES.map((name) => [name, env[name]] as const);
  for (const name of ARRAY_INDEX_VARIABLES) {
    if (index === undefined) delete env[name];
    else env[name] = String(index);
  }
  return () => {
    for (const [name, value] of before) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  };
}
