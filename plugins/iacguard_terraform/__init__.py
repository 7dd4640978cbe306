"""Terraform HCL loader: evaluates root modules into the resource graph, as `terraform plan`
would see them, without running Terraform or any provider.

Modules: `hcl` (parsing to blocks/attributes with lines), `evaluate` (expressions, templates),
`functions` (built-ins), `module` (variables, locals, resources, modules, outputs), `k8s`
(`kubernetes_*` resources in the manifest shape), `loader` (claiming roots, tfvars, Resources)
and `plugin` (hooks). See `loader` for the root-module rule.
"""
