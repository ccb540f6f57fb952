"""The SQL panel's engine: sandboxed execution, export, saved queries, history, parameters."""
