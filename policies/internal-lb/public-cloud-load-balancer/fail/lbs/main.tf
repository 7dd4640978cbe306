# internal is not set: the provider default (false) makes it internet-facing.
resource "aws_lb" "api" { # expect: TLB001
  name               = "api"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
}

resource "aws_elb" "legacy" {
  name     = "legacy"
  subnets  = ["subnet-1"]
  internal = false # expect: TLB001

  listener {
    instance_port     = 80
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}

resource "google_compute_forwarding_rule" "default_scheme" { # expect: TLB001
  name       = "default-scheme"
  target     = "projects/p/regions/r/targetPools/pool"
  port_range = "80"
}

resource "google_compute_global_forwarding_rule" "managed" {
  name                  = "managed"
  target                = "projects/p/global/targetHttpProxies/proxy"
  load_balancing_scheme = "EXTERNAL_MANAGED" # expect: TLB001
}

resource "azurerm_public_ip" "lb" {
  name                = "lb"
  location            = "westeurope"
  resource_group_name = "rg"
  allocation_method   = "Static"
}

resource "azurerm_lb" "public" {
  name                = "public"
  location            = "westeurope"
  resource_group_name = "rg"

  frontend_ip_configuration {
    name                 = "front"
    public_ip_address_id = azurerm_public_ip.lb.id # expect: TLB001
  }
}
