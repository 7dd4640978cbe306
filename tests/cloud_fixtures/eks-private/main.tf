resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "nodes" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "edge" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.0.0/24"
}

resource "aws_nat_gateway" "nat" {
  subnet_id     = aws_subnet.edge.id
  allocation_id = "eipalloc-0123456789abcdef0"
}

# Private: the default route goes to a NAT gateway, not to the internet gateway.
resource "aws_route_table" "nodes" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}

resource "aws_route_table_association" "nodes" {
  subnet_id      = aws_subnet.nodes.id
  route_table_id = aws_route_table.nodes.id
}

resource "aws_eks_cluster" "shop" {
  name     = "shop"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids             = [aws_subnet.nodes.id]
    endpoint_public_access = false
  }
}

resource "aws_eks_node_group" "default" {
  cluster_name  = aws_eks_cluster.shop.name
  node_role_arn = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids    = [aws_subnet.nodes.id]
  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}
