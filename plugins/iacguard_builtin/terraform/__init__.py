"""Terraform HCL loader: evaluates root modules into the resource graph, as `terraform plan`
would see them, without running Terraform or any provider.

Layers, bottom up (each imports only those below it at run time):
`hcl` (parsing content to blocks/attributes with lines), `semantics` (what values are:
Unknown propagation, conversions, limits, errors), `functions` (built-ins), `evaluate`
(expressions, templates, function calls); `module_def` (a directory's declarations),
`module_calls` (where modules come from), `state` (one root's shared evaluation state);
`inputs` (variables), `expansion` (count/for_each), `body` (resource bodies), `objects`
(lazy resource/module objects), tied together by `module.ModuleInstance`; then `k8s`
(`kubernetes_*` resources in the manifest shape), `helm_release` (local charts rendered
through the chart-rendering hook), `loader` (claims, loading a root, Resources) and
`plugin` (hooks). See `loader` for the root-module rule.
"""
