# The region-wide default requires tokens, so templates without metadata_options inherit it.
resource "aws_ec2_instance_metadata_defaults" "imdsv2" {
  http_tokens                 = "required"
  http_put_response_hop_limit = 1
}

resource "aws_launch_template" "nodes" {
  name_prefix = "nodes-"
}
