/**
 * The Cloud Cron apps a parent template nests (`AWS::Serverless::Application`), each mapped to the repository's app:
 * a local `Location` by its path, a SAR `Location` by the application name in its ApplicationId ARN. Used by
 * `npm start` (which deploys the example parent locally) and the example's tests.
 */
import { dirname, relative, resolve } from 'node:path';
import { APPS, type App, appOfTemplate } from './apps';
import type { Template } from './cfn-yaml';
import { ROOT } from './paths';
import { type ResolveContext, resolver } from './template-env';

export type NestedApp = {
  /** Logical id in the parent. */
  logicalId: string;
  app: App;
  /** The Location as SAM resolves it: a path relative to the root, or the SAR application and version. */
  location: string | { applicationId: string; semanticVersion: string };
  /** The Parameters as written in the parent (intrinsics unresolved). */
  parameters: Record<string, unknown>;
};

export class NestedAppError extends Error {
  override name = 'NestedAppError';
}

const SAR_ARN = /^arn:aws(-cn|-us-gov)?:serverlessrepo:[a-z0-9-]+:\d{12}:applications\/(.+)$/;

/**
 * @param parentFile the parent template's path (local Locations are relative to it)
 * @param ctx values for what the Locations refer to (SAM resolves only literals, Ref and FindInMap there)
 */
export function nestedApps(parent: Template, parentFile: string, ctx: ResolveContext = {}): NestedApp[] {
  const { value } = resolver(parent, ctx);
  return Object.entries(parent.Resources)
    .filter(([, r]) => r.Type === 'AWS::Serverless::Application')
    .map(([logicalId, r]) => {
      const props = (r.Properties ?? {}) as { Location?: unknown; Parameters?: Record<string, unknown> };
      const parameters = props.Parameters ?? {};
      if (typeof props.Location === 'string') {
        const file = relative(ROOT, resolve(dirname(parentFile), props.Location));
        const app = appOfTemplate(file);
        if (!app)
          throw new NestedAppError(`${logicalId}: Location ${props.Location} is not one of the apps' templates`);
        return { logicalId, app, location: file, parameters };
      }
      const loc = props.Location as { ApplicationId: unknown; SemanticVersion: unknown };
      const applicationId = String(value(loc.ApplicationId));
      const name = SAR_ARN.exec(applicationId)?.[2];
      const app = APPS.find((a) => 'sarName' in a && a.sarName === name);
      if (!app) {
        const names = APPS.flatMap((a) => ('sarName' in a ? [a.sarName] : [])).join(', ');
        throw new NestedAppError(`${logicalId}: ${applicationId} is not one of our SAR apps (${names})`);
      }
      return {
        logicalId,
        app,
        location: { applicationId, semanticVersion: String(value(loc.SemanticVersion)) },
        parameters,
      };
    });
}

/** The parameter values a nested app receives, resolved in the parent (NoValue entries dropped). */
export function nestedParameters(parent: Template, nested: NestedApp, ctx: ResolveContext): Record<string, string> {
  const resolved = resolver(parent, ctx).value(nested.parameters) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(resolved).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}
