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

# Public only through its route table: the subnet itself looks private.
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
}

resource "aws_route_table_association" "nodes" {
  subnet_id      = aws_subnet.nodes.id
  route_table_id = aws_route_table.public.id
}

resource "aws_eks_cluster" "shop" {
  name     = "shop"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids              = [aws_subnet.nodes.id]
    endpoint_public_access  = false
    endpoint_private_access = true
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

resource "helm_release" "web" {
  name      = "storefront"
  chart     = "./charts/web"
  namespace = "shop"
  set {
    name  = "service.type"
    value = "LoadBalancer"
  }
}

resource "kubernetes_service" "debug" {
  metadata {
    name      = "debug"
    namespace = "shop"
  }
  spec {
    type = "NodePort"  # expect: LB002
    port {
      port = 8080
    }
  }
}
