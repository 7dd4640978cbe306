# `internal` from a variable with no value: unknown before apply, so the AWS default
# (internet-facing) decides.
variable "internal" {
  type = bool
}

resource "aws_lb" "api" {
  name     = "api"
  internal = var.internal # expect: TLB001
  subnets  = ["subnet-1", "subnet-2"]
}

resource "aws_elb" "legacy" { # expect: TLB001
  name               = "legacy"
  availability_zones = ["eu-west-1a"]
  listener {
    instance_port     = 80
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}
