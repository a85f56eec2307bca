"""The domain: one module per capability. Services receive their dependencies."""
