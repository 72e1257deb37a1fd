/**
 * The Terraform modules, one per app: which template each follows, and the little a template cannot say itself —
 * the variable names of Cloud Cron's first (Terraform) description, values given as lists or maps instead of
 * comma-separated strings, and the parameters a hand-written file of the module computes. Everything else (every
 * variable, its type, default, description and validations, every output) is generated from the template by
 * `npm run terraform`; a test fails when a template changed and the modules were not regenerated.
 */

/**
 * How a Terraform value becomes a CloudFormation parameter string:
 * - `string`, `number`: as they are (numbers as text);
 * - `bool`: true/false for a parameter whose AllowedValues are exactly "true" and "false";
 * - `list`: a list(string) joined with commas (CommaDelimitedList, or a comma-separated String);
 * - `topics`: a map(string) NAME => topic ARN, written NAME=arn,NAME2=arn (the CloudCron macro's SnsTopics);
 * - `json`: a string as it is, anything else (an object, a list) through jsonencode.
 */
export type Codec = 'string' | 'number' | 'bool' | 'list' | 'topics' | 'json';

export type VariableOverride = {
  /** The Terraform variable's name; default the parameter's name in snake_case. */
  name?: string;
  /** Default: from the parameter's Type and AllowedValues. */
  codec?: Codec;
};

export type ModuleSpec = {
  /** The folder under terraform/modules/. */
  module: string;
  /** The template it follows, from the repository root. */
  template: string;
  /** Default stack name (the `name` variable). */
  stackName: string;
  /** One line on what the module deploys (its main.tf header). */
  summary: string;
  variables?: Record<string, VariableOverride>;
  /**
   * Parameters whose value is an expression of a hand-written file of the module (e.g. a template read from a
   * file or uploaded to S3), instead of their variable directly. The variable is still generated.
   */
  values?: Record<string, string>;
  /** Extra outputs: name => template output. */
  outputAliases?: Record<string, { output: string; description: string }>;
};

/** Overrides that hold in every template that has the parameter. */
export const COMMON_VARIABLES: Record<string, VariableOverride> = {
  SnsTopics: { codec: 'topics' },
  SchedulePayload: { codec: 'json' },
  TaskPayload: { codec: 'json' },
  FilterPolicy: { codec: 'json' },
  // Comma-separated lists without spaces.
  ImageCommand: { codec: 'list' },
  Command: { codec: 'list' },
  EntryPoint: { codec: 'list' },
  ManagedPolicyArns: { codec: 'list' },
};

export const MODULES: readonly ModuleSpec[] = [
  {
    module: 'macro',
    template: 'macro/template.yaml',
    stackName: 'cloud-cron-macro',
    summary: 'the CloudCron macro (SAR app cloud-cron-macro), once per account and region, before any job',
  },
  {
    module: 'scheduled-lambda',
    template: 'template-scheduled-lambda.yaml',
    stackName: 'cloud-cron-job',
    summary: 'a container-image Lambda on an EventBridge Scheduler schedule (CloudFormation stack; uses the macro)',
  },
  {
    module: 'scheduled-task',
    template: 'template-scheduled-task.yaml',
    stackName: 'cloud-cron-task',
    summary:
      'a container task on ECS Fargate on an EventBridge Scheduler schedule (CloudFormation stack; uses the macro)',
  },
  {
    module: 'email-notification',
    template: 'template-email.yaml',
    stackName: 'cloud-cron-email',
    summary: 'the email channel (SAR app cloud-cron-email): one topic, Handlebars templates, SES v2',
    variables: {
      Sender: { name: 'email_sender' },
      Recipients: { name: 'email_recipients', codec: 'list' },
      CcRecipients: { name: 'email_cc_recipients', codec: 'list' },
      BccRecipients: { name: 'email_bcc_recipients', codec: 'list' },
      ReplyTo: { name: 'email_reply_to', codec: 'list' },
    },
    // templates.tf: template_file / text_template_file, inline or uploaded to S3.
    values: {
      HtmlTemplate: 'local.html_template',
      TextTemplate: 'local.text_template',
      TemplatesS3Uri: 'local.templates_s3_uri',
    },
  },
  {
    module: 'sms-notification',
    template: 'template-sms.yaml',
    stackName: 'cloud-cron-sms',
    summary: 'the SMS channel (SAR app cloud-cron-sms): one topic, a Handlebars template, Twilio',
    variables: { Recipients: { name: 'sms_recipients', codec: 'list' } },
  },
  {
    module: 'webhook-notification',
    template: 'template-webhook.yaml',
    stackName: 'cloud-cron-webhook',
    summary: 'the webhook channel (SAR app cloud-cron-webhook): Slack, Teams, PagerDuty, Discord or any HTTPS endpoint',
  },
  {
    module: 'lambda-container',
    template: 'template-mirror.yaml',
    stackName: 'cloud-cron-mirror',
    summary:
      "the image mirror (SAR app cloud-cron-image-mirror): a release image copied by digest into this account's ECR",
    variables: {
      SourceRepositoryUri: { name: 'source_lambda_repo' },
      SourceImageTag: { name: 'source_lambda_tag' },
    },
    outputAliases: {
      lambda_image_uri: {
        output: 'ImageUri',
        description: "The mirrored image pinned by digest: pass it as the scheduled-lambda module's lambda_image_uri.",
      },
    },
  },
  {
    module: 'runs',
    template: 'template-runs.yaml',
    stackName: 'cloud-cron-runs',
    summary: 'the Runs app (SAR app cloud-cron-runs): run history, last status, missed-run alerts',
  },
  {
    module: 'jobs',
    template: 'template-jobs.yaml',
    stackName: 'cloud-cron-jobs',
    summary: 'the Jobs app (SAR app cloud-cron-jobs): jobs created at run time from files, an HTTP API and the CLI',
  },
];
