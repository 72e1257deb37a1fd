variable "region" {
  description = "Region of everything below (the source image may be in another one)."
  type        = string
  default     = "us-east-1"
}

variable "source_lambda_repo" {
  description = "ECR repository of the job's release image, without tag, e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/cloud-cron-health-check (built from examples/job/Dockerfile)."
  type        = string
}

variable "source_lambda_tag" {
  description = "Tag of the release image to mirror."
  type        = string
  default     = "latest"
}

variable "schedule_expression" {
  description = "When the job runs (EventBridge Scheduler: cron with 6 fields, rate or at)."
  type        = string
  default     = "cron(0 7 ? * MON-FRI *)"
}

variable "schedule_timezone" {
  description = "IANA time zone of the schedule."
  type        = string
  default     = "Europe/Paris"
}

variable "email_sender" {
  description = "From address of the reports: a verified SES identity, e.g. \"Cloud Cron <cron@example.com>\"."
  type        = string
}

variable "email_recipients" {
  description = "Who receives the reports (SES sandbox accounts: verified addresses only)."
  type        = list(string)
}
