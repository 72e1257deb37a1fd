# Cloud Cron from Terraform: the example job's image mirrored into this account, run on a schedule, its reports
# emailed. The modules are thin wrappers of the released apps (terraform/modules/); see README.md here.

# The topics the job publishes to (the CloudCron macro gives the function one environment variable per entry).
resource "aws_sns_topic" "reports" {
  name              = "cloud-cron-example-reports"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic" "alerts" {
  name              = "cloud-cron-example-alerts"
  kms_master_key_id = "alias/aws/sns"
}

# Once per account and region, before any job: the CloudCron macro.
module "macro" {
  source = "../../terraform/modules/macro"
}

# The release image, copied by digest into this account's ECR.
module "lambda_container" {
  source = "../../terraform/modules/lambda-container"

  source_lambda_repo = var.source_lambda_repo
  source_lambda_tag  = var.source_lambda_tag
}

# The job: the mirrored image on a schedule, publishing to the two topics.
module "scheduled_lambda" {
  source = "../../terraform/modules/scheduled-lambda"

  name                = "cloud-cron-example-job"
  lambda_image_uri    = module.lambda_container.lambda_image_uri
  schedule_expression = var.schedule_expression
  schedule_timezone   = var.schedule_timezone
  sns_topics = {
    REPORTS = aws_sns_topic.reports.arn
    ALERTS  = aws_sns_topic.alerts.arn
  }
  # The example job's event (examples/README.md): the endpoints it checks.
  schedule_payload = {
    job    = "website"
    report = "always"
    endpoints = [
      { name = "home", url = "https://example.com/", contains = "Example Domain" },
      { name = "docs", url = "https://docs.aws.amazon.com/", method = "HEAD", critical = false },
    ]
  }
  failure_topic_arn = aws_sns_topic.alerts.arn

  depends_on = [module.macro]
}

# Reports of runs with a problem, by email, rendered from the Handlebars files in templates/.
module "email_notification" {
  source = "../../terraform/modules/email-notification"

  name               = "cloud-cron-example-email"
  sns_topic_arn      = aws_sns_topic.reports.arn
  template_file      = "${path.module}/templates/report.html.hbs"
  text_template_file = "${path.module}/templates/report.txt.hbs"
  email_sender       = var.email_sender
  email_recipients   = var.email_recipients
  filter_policy = {
    type     = ["report"]
    severity = ["warning", "critical"]
  }
}
