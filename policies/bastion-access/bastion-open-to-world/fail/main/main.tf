resource "aws_security_group" "jump" {
  name   = "jump"
  vpc_id = "vpc-1"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"] # expect: BAS003
  }
}

resource "aws_instance" "jump" {
  ami                    = "ami-123"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.jump.id]

  tags = {
    Name = "prod-bastion"
  }
}

resource "google_compute_firewall" "bastion_ssh" {
  name          = "ssh-to-jump-hosts"
  network       = "default"
  source_ranges = ["0.0.0.0/0"] # expect: BAS003
  target_tags   = ["bastion"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "azurerm_network_security_group" "bastion" {
  name                = "bastion-nsg"
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
    source_address_prefix      = "Internet" # expect: BAS003
    destination_address_prefix = "*"
  }
}
