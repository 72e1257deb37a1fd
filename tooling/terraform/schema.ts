/**
 * What Terraform itself knows and the checks need: its built-in functions, and the arguments and attributes of the
 * few resources and data sources the modules and the example use (from the AWS provider's documentation,
 * hashicorp/terraform-provider-aws website/docs/r and d, and Terraform's own for terraform_data).
 */

/** Terraform's built-in functions (Terraform 1.4-1.9 language documentation). */
export const FUNCTIONS = new Set(
  `abs abspath alltrue anytrue base64decode base64encode base64gzip base64sha256 base64sha512 basename bcrypt can ceil
  chomp chunklist cidrhost cidrnetmask cidrsubnet cidrsubnets coalesce coalescelist compact concat contains csvdecode
  dirname distinct element endswith file filebase64 filebase64sha256 filebase64sha512 fileexists filemd5 fileset
  filesha1 filesha256 filesha512 flatten floor format formatdate formatlist indent index issensitive join jsondecode
  jsonencode keys length log lookup lower matchkeys max md5 merge min nonsensitive one parseint pathexpand
  plantimestamp pow range regex regexall replace reverse rsadecrypt sensitive setintersection setproduct setsubtract
  setunion sha1 sha256 sha512 signum slice sort split startswith strcontains strrev substr sum templatefile
  textdecodebase64 textencodebase64 timeadd timecmp timestamp title tobool tolist tomap tonumber toset tostring
  transpose trim trimprefix trimspace trimsuffix try type upper urlencode uuid uuidv5 values yamldecode yamlencode
  zipmap`.split(/\s+/),
);

/** Meta-arguments every resource and data block may carry. */
export const RESOURCE_META = new Set([
  'count',
  'for_each',
  'provider',
  'depends_on',
  'lifecycle',
  'provisioner',
  'connection',
  'timeouts',
]);
/** Meta-arguments of a module block. */
export const MODULE_META = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);

export type Schema = { required: string[]; optional: string[]; attributes: string[] };

const TAGS = ['tags'];
export const RESOURCES: Record<string, Schema> = {
  aws_cloudformation_stack: {
    required: ['name'],
    optional: [
      'template_body',
      'template_url',
      'capabilities',
      'disable_rollback',
      'notification_arns',
      'on_failure',
      'parameters',
      'policy_body',
      'policy_url',
      'iam_role_arn',
      'timeout_in_minutes',
      'region',
      ...TAGS,
    ],
    attributes: ['id', 'outputs', 'tags_all'],
  },
  aws_serverlessapplicationrepository_cloudformation_stack: {
    required: ['name', 'application_id'],
    optional: ['capabilities', 'parameters', 'semantic_version', 'region', ...TAGS],
    attributes: ['id', 'outputs', 'tags_all'],
  },
  aws_s3_object: {
    required: ['bucket', 'key'],
    optional: [
      'acl',
      'bucket_key_enabled',
      'cache_control',
      'checksum_algorithm',
      'content',
      'content_base64',
      'content_disposition',
      'content_encoding',
      'content_language',
      'content_type',
      'etag',
      'force_destroy',
      'kms_key_id',
      'metadata',
      'server_side_encryption',
      'source',
      'source_hash',
      'storage_class',
      'website_redirect',
      'region',
      ...TAGS,
    ],
    attributes: ['id', 'arn', 'checksum_crc32', 'checksum_sha256', 'etag', 'version_id', 'tags_all'],
  },
  aws_sns_topic: {
    required: [],
    optional: [
      'name',
      'name_prefix',
      'display_name',
      'fifo_topic',
      'kms_master_key_id',
      'policy',
      'delivery_policy',
      'region',
      ...TAGS,
    ],
    attributes: ['id', 'arn', 'owner', 'tags_all'],
  },
  aws_ecr_repository: {
    required: ['name'],
    optional: ['force_delete', 'image_tag_mutability', 'region', ...TAGS],
    attributes: ['id', 'arn', 'registry_id', 'repository_url', 'tags_all'],
  },
  aws_sesv2_email_identity: {
    required: ['email_identity'],
    optional: ['configuration_set_name', 'region', ...TAGS],
    attributes: ['id', 'arn', 'identity_type', 'verified_for_sending_status', 'tags_all'],
  },
  terraform_data: { required: [], optional: ['input', 'triggers_replace'], attributes: ['id', 'output'] },
};

export const DATA_SOURCES: Record<string, Schema> = {
  aws_partition: { required: [], optional: [], attributes: ['id', 'partition', 'dns_suffix', 'reverse_dns_prefix'] },
  aws_region: {
    required: [],
    optional: ['name', 'region', 'endpoint'],
    attributes: ['id', 'name', 'region', 'endpoint', 'description'],
  },
  aws_caller_identity: { required: [], optional: [], attributes: ['id', 'account_id', 'arn', 'user_id'] },
};

/** The Terraform type expressions the modules use. */
export const TYPES = new Set([
  'string',
  'number',
  'bool',
  'any',
  'list(string)',
  'map(string)',
  'set(string)',
  'list(number)',
]);
