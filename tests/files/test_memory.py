"""Giving freed memory back to the system: harmless to call at any time, from any thread."""

import threading

from assets.files.memory import release_freed_memory


def test_releasing_freed_memory_is_harmless_after_freeing_and_from_threads():
    held = [bytes(1000) for _ in range(20_000)]
    del held
    release_freed_memory()
    release_freed_memory()
    threads = [threading.Thread(target=release_freed_memory) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
