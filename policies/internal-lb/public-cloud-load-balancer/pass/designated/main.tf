# The one designated entry point, by address and by name.
resource "aws_lb" "ingress" {
  name               = "ingress"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
}

resource "google_compute_global_forwarding_rule" "edge" {
  name   = "public-edge-https"
  target = "projects/p/global/targetHttpsProxies/proxy"
}
