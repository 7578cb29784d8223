"""The bounded cache behind every cache of the library."""

from activations._lru import Lru


def test_keeps_at_most_its_size_and_drops_the_least_recently_used() -> None:
    cache: Lru[int] = Lru(3)
    made: list[str] = []

    def make(key: str) -> int:
        made.append(key)
        return len(made)

    for key in "abc":
        cache.get(key, lambda k=key: make(k))
    cache.get("a", lambda: make("a"))  # a hit: "a" becomes the most recent
    cache.get("d", lambda: make("d"))  # evicts "b", the least recently used
    assert len(cache) == 3 and "b" not in cache and "a" in cache
    assert made == ["a", "b", "c", "d"]
    for i in range(1000):
        cache.get(i, lambda: 0)
    assert len(cache) == 3
    cache.clear()
    assert len(cache) == 0
