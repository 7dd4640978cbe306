"""Built-in output formats: text, json, sarif."""
