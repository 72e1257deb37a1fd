/**
 * Events the Jobs app puts on the account's default EventBridge bus, for rules that alert on them.
 *
 *   source       "cloud-cron.jobs"
 *   detail-type  "Cloud Cron Job File Refused"   a job file was refused (the previous version of its job runs on)
 *   detail       { version: "1", bucket, key, job?, errors: [{ path, code, message }] }
 *   resources    the file's S3 object ARN
 */
export const JOBS_SOURCE = 'cloud-cron.jobs';
export const FILE_REFUSED_DETAIL_TYPE = 'Cloud Cron Job File Refused';
