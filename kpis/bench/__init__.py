"""Scale portfolio and benchmark support for the engine (used by seed_scale and bench_engine)."""
