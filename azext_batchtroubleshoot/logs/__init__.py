"""The log tree: find the root, classify files, read lines safely, tracebacks, masking."""
