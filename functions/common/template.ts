/**
 * The shape of a CloudFormation template as CloudFormation hands it to a macro (JSON, intrinsic functions in
 * their long form). Product code (the macro) and tooling (the YAML reader, the template evaluator) share it.
 */
export type Template = {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Description?: string;
  Metadata?: Record<string, unknown>;
  Parameters?: Record<string, TemplateParameter>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  Globals?: Record<string, Record<string, unknown>>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Description?: string; Value: unknown; Export?: unknown; Condition?: string }>;
  Rules?: Record<string, unknown>;
};

export type TemplateParameter = {
  Type: string;
  Default?: string | number;
  Description?: string;
  AllowedValues?: (string | number)[];
  AllowedPattern?: string;
  ConstraintDescription?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  NoEcho?: boolean;
};

export type TemplateResource = {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
