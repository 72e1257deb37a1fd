/**
 * Baseline for the mirror function: the CodeBuild and ECR clients alone, created the way the function creates
 * them (CodeBuild at module scope, ECR per region on first use).
 */
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { ECRClient } from '@aws-sdk/client-ecr';

export const codebuild = new CodeBuildClient({ maxAttempts: 4 });
export const ecr = (region: string) => new ECRClient({ region, maxAttempts: 4 });
