# Templates from files (hand-written; the rest of the module is generated from template-email.yaml).
#
# template_file (HTML) and text_template_file are local Handlebars files. Without templates_bucket they are read with
# file() into the HtmlTemplate and TextTemplate parameters, which hold at most 3,500 characters each (the function's
# environment is limited to 4 KB). With templates_bucket they are uploaded to
# s3://<templates_bucket>/<templates_prefix>/<name>/<content hash>/html.hbs and text.hbs and the stack gets that
# folder as TemplatesS3Uri (the function may read only under it): any size, and a changed template is a new folder,
# so the function's configuration changes with it and no warm container keeps the old one.

variable "template_file" {
  description = "Path of a Handlebars file for the HTML part of every email (values are HTML-escaped), e.g. \"$${path.module}/templates/report.html.hbs\". Null: html_template, or the channel's default rendering."
  type        = string
  default     = null
}

variable "text_template_file" {
  description = "Path of a Handlebars file for the text part (rendered without HTML escaping). Null: text_template, or text derived from the HTML part."
  type        = string
  default     = null
}

variable "templates_bucket" {
  description = "Optional S3 bucket (same region) to upload template_file and text_template_file to, for templates over 3,500 characters. Null: the files go inline into the stack's parameters."
  type        = string
  default     = null
}

variable "templates_prefix" {
  description = "Key prefix of the uploaded templates in templates_bucket."
  type        = string
  default     = "cloud-cron/email-templates"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()/-]+$", var.templates_prefix)) && !startswith(var.templates_prefix, "/")
    error_message = "The value of templates_prefix must be an S3 key prefix of letters, digits and !_.*'()/- that does not start with a slash."
  }
}

locals {
  template_paths = { for part, path in { html = var.template_file, text = var.text_template_file } : part => path if path != null }
  template_texts = { for part, path in local.template_paths : part => file(path) }
  upload         = var.templates_bucket != null && length(local.template_paths) > 0
  # The content hash makes every change a new folder (and a new TemplatesS3Uri).
  template_folder = "${trim(var.templates_prefix, "/")}/${var.name}/${substr(sha256(jsonencode(local.template_texts)), 0, 16)}"

  html_template = local.upload ? null : try(local.template_texts["html"], var.html_template)
  text_template = local.upload ? null : try(local.template_texts["text"], var.text_template)
  # Read through the uploaded objects, so the stack waits for them.
  templates_s3_uri = local.upload ? one(distinct([for o in aws_s3_object.template : "s3://${o.bucket}/${local.template_folder}/"])) : var.templates_s3_uri
}

# The uploaded templates. create_before_destroy: the old folder is deleted only after the stack uses the new one.
resource "aws_s3_object" "template" {
  for_each = local.upload ? local.template_texts : {}

  bucket       = var.templates_bucket
  key          = "${local.template_folder}/${each.key}.hbs"
  content      = each.value
  content_type = "text/x-handlebars-template"
  tags         = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# Plan-time checks of the combination (each variable's own checks are in variables.tf).
resource "terraform_data" "template_checks" {
  lifecycle {
    precondition {
      condition     = var.template_file == null || var.html_template == null
      error_message = "Set template_file or html_template, not both."
    }
    precondition {
      condition     = var.text_template_file == null || var.text_template == null
      error_message = "Set text_template_file or text_template, not both."
    }
    precondition {
      condition     = !local.upload || var.templates_s3_uri == null
      error_message = "With templates_bucket the module sets TemplatesS3Uri itself: leave templates_s3_uri unset."
    }
    precondition {
      condition     = local.upload || alltrue([for part, text in local.template_texts : length(text) <= 3500])
      error_message = "A template file is over the 3,500 characters a template parameter holds (the function's environment is limited to 4 KB): set templates_bucket to upload it to S3 instead."
    }
  }
}
