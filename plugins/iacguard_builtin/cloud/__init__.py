"""iacguard_builtin.cloud: the documented public library of cloud knowledge that every plugin may import.

It is a library, not a pluggy plugin: it registers nothing. Policies in any plugin ask it
the questions about clouds that must get one answer everywhere:

- `clusters`: cluster and node-pool kinds per cloud, which cluster a node pool belongs to,
  which cluster a Kubernetes object is deployed to, `cloud_of(resource)`.
- `nodes`: `nodes_of(graph, cluster)`, *are the nodes of this cluster public, and why*,
  built from the same `NodeSetting`s that the private-nodes policies report one by one.
- `subnets`: whether an AWS subnet is public (IP mapping, or a route table sending the
  world to an internet gateway).
- `aws_nodes`: which AWS launch templates and instances boot Kubernetes nodes.
- `cidrs`: world-reachable and overly broad address ranges.
- `load_balancers` and `services`: internal-load-balancer markers per cloud (Service
  annotations, Terraform flags) and whether a LoadBalancer Service is internet-facing.
- `ports`: administrative ports (SSH, RDP, kubelet) and port-range parsing.
- `settings` and `references`: a Terraform attribute's effective value with its origin, and
  the `references` edges between resources.

Address ranges are judged by one rule everywhere (`cidrs`):

- a list of ranges is **world-reachable** when one entry is the whole internet (a /0, or a
  word such as `*` or `Internet`) or when its entries of one IP version together cover that
  version's whole address space (`["0.0.0.0/1", "128.0.0.0/1"]`);
- an entry is **overly broad** when it is public and shorter than /16 (IPv4) or /48 (IPv6),
  so a single `0.0.0.0/1` is overly broad but not world-reachable; private ranges (RFC 1918,
  ULA, CGNAT) are never either.

An allow-list restricts exposure only if it is neither. Where one policy judges the whole
question (LB001: is this load balancer's `loadBalancerSourceRanges` a restriction) both
fail it; where two policies split it, API001 and BAS001/BAS003 report world-reachable lists
and API002 reports every overly broad entry.

Values unknown before apply stay unknown (`None` in a tri-state): they are never taken as
false.
"""
