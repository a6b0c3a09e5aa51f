"""Orders: catalog and pricing, the status state machine, data access and use cases."""
