resource "aws_lb" "api" {
  name               = "api"
  internal           = true
  load_balancer_type = "network"
  subnets            = ["subnet-1"]
}

resource "aws_lb" "inspection" {
  name               = "inspection"
  load_balancer_type = "gateway"
  subnets            = ["subnet-1"]
}

resource "google_compute_forwarding_rule" "ilb" {
  name                  = "ilb"
  load_balancing_scheme = "INTERNAL"
  backend_service       = "projects/p/regions/r/backendServices/b"
  ports                 = ["80"]
}

resource "azurerm_lb" "private" {
  name                = "private"
  location            = "westeurope"
  resource_group_name = "rg"

  frontend_ip_configuration {
    name                          = "front"
    subnet_id                     = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
    private_ip_address_allocation = "Dynamic"
  }
}
