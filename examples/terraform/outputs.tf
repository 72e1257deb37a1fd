output "image_uri" {
  description = "The job's image, mirrored and pinned by digest."
  value       = module.lambda_container.lambda_image_uri
}

output "function_name" {
  description = "The job's Lambda function (logs: sam logs, or CloudWatch /aws/lambda/<name>)."
  value       = module.scheduled_lambda.function_name
}

output "schedule_arn" {
  description = "The job's EventBridge Scheduler schedule."
  value       = module.scheduled_lambda.schedule_arn
}

output "email_dead_letter_queue_url" {
  description = "Reports the email channel could not send, with the reason."
  value       = module.email_notification.dead_letter_queue_url
}
