"""Developer tooling (tests, local stack, benchmarks): never deployed."""
