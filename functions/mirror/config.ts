/** The mirror function's settings, read once at init. */
import { requiredEnv } from '../common/config';

export type MirrorConfig = {
  /** The CodeBuild project that copies images (and whose build events this function answers). */
  projectName: string;
};

export function readConfig(env: Record<string, string | undefined> = process.env): MirrorConfig {
  return { projectName: requiredEnv('MIRROR_PROJECT_NAME', env) };
}
