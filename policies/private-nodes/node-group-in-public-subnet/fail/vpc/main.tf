resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

# Public only through its route table: no map_public_ip_on_launch.
resource "aws_subnet" "routed" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "mapped" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.2.0/24"
  map_public_ip_on_launch = true
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
}

resource "aws_route_table_association" "routed" {
  subnet_id      = aws_subnet.routed.id
  route_table_id = aws_route_table.public.id
}

resource "aws_eks_node_group" "routed" {
  cluster_name    = "prod"
  node_group_name = "routed"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = [aws_subnet.routed.id] # expect: PN001

  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}

resource "aws_eks_node_group" "mapped" {
  cluster_name    = "prod"
  node_group_name = "mapped"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = [aws_subnet.mapped.id] # expect: PN001

  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}
