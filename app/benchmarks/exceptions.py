from app.core.errors import NotFound


class BenchmarkNotFound(NotFound):
    title, slug = "Benchmark not found", "benchmark-not-found"
