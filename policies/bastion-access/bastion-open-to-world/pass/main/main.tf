# The bastion takes SSH from the office only; the nodes' world-open rule is BAS001's business.
resource "aws_security_group" "jump" {
  name   = "jump"
  vpc_id = "vpc-1"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["84.17.33.0/24"]
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

resource "aws_security_group" "nodes" {
  name   = "nodes"
  vpc_id = "vpc-1"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "google_compute_firewall" "bastion_iap" {
  name          = "bastion-iap"
  network       = "default"
  source_ranges = ["35.235.240.0/20"]
  target_tags   = ["bastion"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
