resource "azurerm_network_security_group" "nodes" {
  name                = "nodes"
  location            = "westeurope"
  resource_group_name = "rg"

  security_rule {
    name                       = "rdp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "Internet" # expect: BAS001
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "ssh" {
  name                        = "ssh"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_ranges     = ["20-25", "443"]
  source_address_prefix       = "*" # expect: BAS001
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = azurerm_network_security_group.nodes.name
}
