"""Built-in output formats: text, json, sarif, conftest, markdown, rdjson, github; graph drawings."""
