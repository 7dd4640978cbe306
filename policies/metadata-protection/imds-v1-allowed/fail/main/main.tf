resource "aws_launch_template" "nodes" { # expect: META001
  name_prefix   = "nodes-"
  instance_type = "m5.large"
}

resource "aws_instance" "app" {
  ami           = "ami-123"
  instance_type = "t3.micro"

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional" # expect: META001
  }
}
