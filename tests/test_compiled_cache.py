"""Numba's cache of the compiled loops follows every source they inline, not only their own."""

from sim.model.arrays import compiled_cache


def test_a_change_to_any_compiled_source_drops_every_cached_loop(tmp_path):
    helper, kernel = tmp_path / "helpers.py", tmp_path / "kernels.py"
    helper.write_text("def slice_bounds(): ...\n")
    kernel.write_text("def kernel(): ...\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    stamp = cache / "sources.sha256"
    compiled = [cache / "kernels.kernel-1.py311.nbi", cache / "kernels.kernel-1.py311.1.nbc"]
    other = cache / "elsewhere.f-1.py311.nbi"  # not one of the sources: kept
    for path in [*compiled, other]:
        path.write_text("machine code")
    sources = (helper, kernel)
    assert compiled_cache.drop_stale_caches(sources, stamp)  # no fingerprint yet
    assert not any(path.exists() for path in compiled) and other.exists()
    assert stamp.read_text() == compiled_cache.fingerprint(sources)

    for path in compiled:  # compiled again from these sources
        path.write_text("machine code")
    assert not compiled_cache.drop_stale_caches(sources, stamp)
    assert all(path.exists() for path in compiled)

    helper.write_text("def slice_bounds(): return 0\n")  # only the helper's file changes
    assert compiled_cache.drop_stale_caches(sources, stamp)
    assert not any(path.exists() for path in compiled)


def test_the_list_of_compiled_sources_is_complete():
    """Every module of the model that compiles loops is fingerprinted."""
    model = compiled_cache.MODEL
    compiling = {
        path
        for path in model.rglob("*.py")
        if "@njit" in path.read_text() or "@intrinsic" in path.read_text()
    }
    assert compiling <= set(compiled_cache.COMPILED_SOURCES)
    assert all(path.exists() for path in compiled_cache.COMPILED_SOURCES)
