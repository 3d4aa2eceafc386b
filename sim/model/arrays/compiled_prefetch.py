"""A hint for compiled loops (Numba) that read a table at scattered rows: fetch a row's memory
into the cache some iterations before the loop reads it.

A long loop body leaves the processor little room to run ahead to the next iteration's loads,
so each scattered read of a table larger than the core's cache waits its full latency (the
employer records of a full-scale valuation: 90,000 rows of 31 values). LLVM's prefetch
intrinsic starts that read early. It is a hint: it never changes a result, and it does not fault
on any address.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from sim.model.arrays import compiled_cache  # noqa: F401  (drops stale caches first)

READ, KEEP_IN_ALL_CACHES, DATA = 0, 3, 1  # llvm.prefetch's rw, locality and cache type


@intrinsic
def prefetch(typingctx, array, flat_index):
    """Start loading the cache line of ``array``'s element ``flat_index`` (of its memory in
    order, e.g. ``row * n_columns`` for a row of a C-ordered table)."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_pointer = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        hint = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]),
            "llvm.prefetch.p0i8",
        )
        address = builder.bitcast(builder.gep(data, [args[1]]), byte_pointer)
        flags = [ir.Constant(int32, flag) for flag in (READ, KEEP_IN_ALL_CACHES, DATA)]
        builder.call(hint, [address, *flags])
        return context.get_dummy_value()

    return types.void(array, flat_index), codegen
