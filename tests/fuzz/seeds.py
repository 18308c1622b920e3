#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the hand-made seed inputs of the fuzz targets (format: fuzz_ioctl.h, fuzz_acceld.c).

    tests/fuzz/seeds.py OUTDIR      # OUTDIR/core, OUTDIR/vnpu, OUTDIR/vedge, OUTDIR/acceld

The committed corpora (tests/fuzz/corpus/) are these seeds plus what fuzzing found, merged.
"""
import os
import struct
import sys

OPEN, CLOSE, SELECT, MMAP, WRITE, MUNMAP = range(6)

CORE = ["VERSION", "GET_UNIQUE", "GET_MAGIC", "GET_CLIENT", "GET_STATS", "GET_CAP",
        "SET_CLIENT_CAP", "SET_VERSION", "AUTH_MAGIC", "SET_MASTER", "DROP_MASTER",
        "GEM_CLOSE", "GEM_FLINK", "GEM_OPEN", "PRIME_HANDLE_TO_FD", "PRIME_FD_TO_HANDLE",
        "CREATE_DUMB", "MAP_DUMB", "DESTROY_DUMB", "SYNCOBJ_CREATE", "SYNCOBJ_DESTROY",
        "SYNCOBJ_HANDLE_TO_FD", "SYNCOBJ_FD_TO_HANDLE", "SYNCOBJ_WAIT", "SYNCOBJ_TIMELINE_WAIT",
        "SYNCOBJ_RESET", "SYNCOBJ_SIGNAL", "SYNCOBJ_TIMELINE_SIGNAL", "SYNCOBJ_QUERY",
        "SYNCOBJ_TRANSFER", "SYNCOBJ_EVENTFD", "SET_CLIENT_NAME", "MODE_GETRESOURCES",
        "MODE_GETFB2", "WAIT_VBLANK"]
# argument sizes (_IOC_SIZE) and how many pointer / IN descriptor fields each layout has
SIZE = {"VERSION": 64, "GET_UNIQUE": 16, "GET_MAGIC": 4, "GET_CLIENT": 40, "GET_STATS": 248,
        "GET_CAP": 16, "SET_CLIENT_CAP": 16, "SET_VERSION": 16, "AUTH_MAGIC": 4,
        "SET_MASTER": 0, "DROP_MASTER": 0, "GEM_CLOSE": 8, "GEM_FLINK": 8, "GEM_OPEN": 16,
        "PRIME_HANDLE_TO_FD": 12, "PRIME_FD_TO_HANDLE": 12, "CREATE_DUMB": 32, "MAP_DUMB": 16,
        "DESTROY_DUMB": 4, "SYNCOBJ_CREATE": 8, "SYNCOBJ_DESTROY": 8,
        "SYNCOBJ_HANDLE_TO_FD": 16, "SYNCOBJ_FD_TO_HANDLE": 16, "SYNCOBJ_WAIT": 40,
        "SYNCOBJ_TIMELINE_WAIT": 48, "SYNCOBJ_RESET": 16, "SYNCOBJ_SIGNAL": 16,
        "SYNCOBJ_TIMELINE_SIGNAL": 24, "SYNCOBJ_QUERY": 24, "SYNCOBJ_TRANSFER": 32,
        "SYNCOBJ_EVENTFD": 24, "SET_CLIENT_NAME": 16, "MODE_GETRESOURCES": 64,
        "MODE_GETFB2": 104, "WAIT_VBLANK": 24,
        "EXAMPLE_CREATE_BO": 16, "EXAMPLE_BO_INFO": 24, "EXAMPLE_SUBMIT": 24, "EXAMPLE_SIGNAL": 8,
        "VNPU_GET_PARAM": 16, "VNPU_BO_CREATE": 16, "VNPU_BO_INFO": 32, "VNPU_VM_BIND": 40,
        "VNPU_CONTEXT_CREATE": 16, "VNPU_CONTEXT_DESTROY": 8, "VNPU_SUBMIT": 72,
        "VNPU_QUEUE_CREATE": 16, "VNPU_QUEUE_DESTROY": 8, "VNPU_QUEUE_SIGNAL": 32,
        "VEDGE_GET_PARAM": 16, "VEDGE_BO_CREATE": 16, "VEDGE_BO_MMAP": 16, "VEDGE_BO_INFO": 16,
        "VEDGE_SUBMIT": 64, "VEDGE_BO_WAIT": 16}
PTRS = {"VERSION": 3, "GET_UNIQUE": 1, "SYNCOBJ_WAIT": 1, "SYNCOBJ_TIMELINE_WAIT": 2,
        "SYNCOBJ_RESET": 1, "SYNCOBJ_SIGNAL": 1, "SYNCOBJ_TIMELINE_SIGNAL": 2,
        "SYNCOBJ_QUERY": 2, "SET_CLIENT_NAME": 1, "VNPU_SUBMIT": 1, "VEDGE_SUBMIT": 2}
FDS_IN = {"PRIME_FD_TO_HANDLE": 1, "SYNCOBJ_FD_TO_HANDLE": 1, "SYNCOBJ_EVENTFD": 1}

CORE_TABLE = CORE + ["EXAMPLE_CREATE_BO", "EXAMPLE_BO_INFO", "EXAMPLE_SUBMIT", "EXAMPLE_SIGNAL"]
VNPU_TABLE = ["VNPU_GET_PARAM", "VNPU_BO_CREATE", "VNPU_BO_INFO", "VNPU_VM_BIND",
              "VNPU_CONTEXT_CREATE", "VNPU_CONTEXT_DESTROY", "VNPU_SUBMIT", "VNPU_QUEUE_CREATE",
              "VNPU_QUEUE_DESTROY", "VNPU_QUEUE_SIGNAL"] + CORE
VEDGE_TABLE = ["VEDGE_GET_PARAM", "VEDGE_BO_CREATE", "VEDGE_BO_MMAP", "VEDGE_BO_INFO",
               "VEDGE_SUBMIT", "VEDGE_BO_WAIT"] + CORE
# bytes fuzz_vedge.c's fix reads after the argument (SUBMIT's mode)
FIX = {"VEDGE_SUBMIT": 1}


class Seq:
    def __init__(self, table, target_ops):
        self.table, self.first, self.b = table, 6 + target_ops, b""

    def op(self, n, *data):
        self.b += bytes([n]) + b"".join(data)
        return self

    def io(self, name, arg=b"", ptrs=(), fds=(), extra=b""):
        arg = arg.ljust(SIZE[name], b"\0")[:SIZE[name]]
        out = bytes([self.first + self.table.index(name)]) + arg
        ptrs = list(ptrs) + [None] * (PTRS.get(name, 0) - len(ptrs))
        for p in ptrs:  # (slot, bytes) or None: keep the raw value
            out += b"\0" if p is None else bytes([p[0], len(p[1])]) + p[1]
        fds = list(fds) + [0] * (FDS_IN.get(name, 0) - len(fds))
        out += bytes(fds) + bytes(extra).ljust(FIX.get(name, 0), b"\0")
        self.b += out
        return self


def u32(*v):
    return struct.pack("<%dI" % len(v), *v)


def u64(*v):
    return struct.pack("<%dQ" % len(v), *v)


def pkt(opcode, body, flags=0):
    """A command-stream packet: header (opcode, length in dwords, flags) and its body."""
    size = 8 + len(body)
    size = (size + 7) & ~7
    return struct.pack("<HHI", opcode, size // 4, flags) + body.ljust(size - 8, b"\0")


def core_seeds():
    s = {}
    t = lambda: Seq(CORE_TABLE, 0)
    s["version"] = t().io("VERSION", u32(0, 0, 0, 0) + u64(32, 0, 32, 0, 32, 0),
                          [(1, b""), (2, b""), (3, b"")]).io("GET_UNIQUE", u64(16, 0), [(4, b"")]).b
    s["caps"] = t().io("GET_CAP", u64(1)).io("GET_CAP", u64(0x13)).io("SET_CLIENT_CAP", u64(3, 1)) \
                   .io("GET_CLIENT").io("GET_STATS").io("GET_MAGIC").io("SET_MASTER").io("DROP_MASTER").b
    s["bo_mmap"] = t().io("EXAMPLE_CREATE_BO", u64(8192) + u32(0)).io("EXAMPLE_BO_INFO", u32(1)) \
                      .op(MMAP, bytes([0, 1, 0])).op(WRITE, bytes([0, 16, 0, 8]) + b"fuzzfuzz") \
                      .op(MUNMAP, b"\0").io("GEM_CLOSE", u32(1)).b
    s["prime"] = t().io("EXAMPLE_CREATE_BO", u64(4096) + u32(0)).io("PRIME_HANDLE_TO_FD", u32(1, 0x80002)) \
                    .op(OPEN, b"\0").op(SELECT, b"\1").io("PRIME_FD_TO_HANDLE", u32(0, 0, 0), fds=[2]) \
                    .io("EXAMPLE_BO_INFO", u32(1)).op(MMAP, bytes([0, 0, 0])).b
    s["flink"] = t().io("EXAMPLE_CREATE_BO", u64(4096)).io("GEM_FLINK", u32(1)).op(OPEN, b"\0") \
                    .op(SELECT, b"\1").io("GEM_OPEN", u32(1)).io("GEM_CLOSE", u32(1)).b
    s["dumb"] = t().op(OPEN, b"\2").op(SELECT, b"\1").io("CREATE_DUMB", u32(16, 16, 32, 0)) \
                   .io("MAP_DUMB", u32(1)).op(MMAP, bytes([0, 0, 0])).io("DESTROY_DUMB", u32(1)).b
    s["syncobj"] = t().io("SYNCOBJ_CREATE", u32(0, 1)).io("SYNCOBJ_CREATE", u32(0, 0)) \
        .io("EXAMPLE_SUBMIT", u32(2, 0) + u64(0)) \
        .io("SYNCOBJ_WAIT", u64(0, 0) + u32(2, 1), [(1, u32(1, 2))]) \
        .io("EXAMPLE_SIGNAL", u32(1, 0)) \
        .io("SYNCOBJ_WAIT", u64(0, 1000000) + u32(2, 1), [(1, u32(1, 2))]) \
        .io("SYNCOBJ_RESET", u64(0) + u32(2), [(2, u32(1, 2))]) \
        .io("SYNCOBJ_SIGNAL", u64(0) + u32(1), [(2, u32(2))]) \
        .io("SYNCOBJ_DESTROY", u32(1)).b
    s["timeline"] = t().io("SYNCOBJ_CREATE", u32(0, 0)).io("SYNCOBJ_CREATE", u32(0, 0)) \
        .io("SYNCOBJ_TIMELINE_SIGNAL", u64(0, 0) + u32(1, 0), [(1, u32(1)), (2, u64(5))]) \
        .io("SYNCOBJ_QUERY", u64(0, 0) + u32(1, 0), [(1, u32(1)), (3, u64(0))]) \
        .io("SYNCOBJ_TRANSFER", u32(2, 1) + u64(0, 5) + u32(0, 0)) \
        .io("EXAMPLE_SUBMIT", u32(1, 0) + u64(7)) \
        .io("SYNCOBJ_TIMELINE_WAIT", u64(0, 0, 0) + u32(1, 6), [(1, u32(1)), (2, u64(7))]) \
        .io("SYNCOBJ_EVENTFD", u32(1, 0) + u64(7) + u32(0), fds=[1]).io("EXAMPLE_SIGNAL", u32(1, 0)).b
    s["syncobj_fd"] = t().io("SYNCOBJ_CREATE", u32(0, 1)).io("SYNCOBJ_HANDLE_TO_FD", u32(1, 0)) \
        .io("SYNCOBJ_HANDLE_TO_FD", u32(1, 1)).io("SYNCOBJ_FD_TO_HANDLE", u32(0, 0), fds=[2]) \
        .io("SYNCOBJ_FD_TO_HANDLE", u32(1, 1), fds=[3]).b
    s["client_name"] = t().io("SET_CLIENT_NAME", u64(4, 0), [(1, b"fuzz")]).io("MODE_GETRESOURCES") \
                          .io("MODE_GETFB2").io("WAIT_VBLANK").b
    return s


def vnpu_seeds():
    s = {}
    t = lambda: Seq(VNPU_TABLE, 2)
    UQ_PUSH, UQ_WPTR = 6, 7
    VA = 0x10000000

    def bo_stream(q, stream, size=8192):
        """BO 1 (commands) mapped at VA, BO_INFO, mmap, the stream written at offset 0."""
        q.io("VNPU_BO_CREATE", u64(size) + u32(0)).io("VNPU_BO_INFO", u32(1)) \
         .io("VNPU_VM_BIND", u32(1, 0, 1, 0) + u64(VA, size, 0)) \
         .op(MMAP, bytes([0, 1, 0]))
        for off in range(0, len(stream), 255):
            chunk = stream[off:off + 255]
            q.op(WRITE, bytes([0]) + struct.pack("<H", off) + bytes([len(chunk)]) + chunk)
        return q

    s["params"] = t().io("VNPU_GET_PARAM", u32(1)).io("VNPU_GET_PARAM", u32(6)).io("VNPU_GET_PARAM", u32(8)).b
    data = VA + 4096
    stream = pkt(0x11, u64(data, 64, 0x1234) + u32(4, 0)) + pkt(0x10, u64(data, data + 256, 64)) \
        + pkt(0x01, u64(data + 512, 7)) + pkt(0x03, u64(data + 520)) + pkt(0x00, b"")
    q = bo_stream(t(), stream)
    q.io("VNPU_CONTEXT_CREATE", u32(1, 0, 0)).io("SYNCOBJ_CREATE", u32(0, 0)) \
     .io("VNPU_SUBMIT", u32(1, 0, 1, 0) + u64(0, len(stream), 0) + u32(1, 0) + u64(0) + u64(VA + 1024)) \
     .io("SYNCOBJ_WAIT", u64(0, 1000000) + u32(1, 0), [(1, u32(1))])
    s["submit_dma"] = q.b
    # a matmul on the compute engine: 2x2 f32
    a, b, c = data, data + 64, data + 128
    mm = pkt(0x20, u32(1, 1, 1, 2, 2, 2, 0, 0, 0, 0) + u64(a, b, 0, c))
    mstream = pkt(0x11, u64(a, 32, 0x3f800000) + u32(4, 0)) + pkt(0x11, u64(b, 32, 0x40000000) + u32(4, 0)) + mm
    q = bo_stream(t(), mstream)
    q.io("VNPU_CONTEXT_CREATE", u32(0, 0, 0)).io("SYNCOBJ_CREATE", u32(0, 0)) \
     .io("VNPU_SUBMIT", u32(1, 0, 1, 0) + u64(0, len(mstream), 0) + u32(1, 0) + u64(0) + u64(0)) \
     .io("SYNCOBJ_WAIT", u64(0, 1000000) + u32(1, 0), [(1, u32(1))])
    s["submit_matmul"] = q.b
    mm8 = pkt(0x20, u32(3, 4, 1, 2, 2, 2, 0, 0, 0, 1) + u64(a, b, 0, c))
    q = bo_stream(t(), mm8)
    q.io("VNPU_CONTEXT_CREATE", u32(0, 0, 0)) \
     .io("VNPU_SUBMIT", u32(1, 0, 1, 0) + u64(0, len(mm8), 0) + u32(0, 0) + u64(0) + u64(0))
    s["submit_matmul_s8"] = q.b
    ops = [pkt(0x24, u32(1, 1) + u64(4, a, a)),
           pkt(0x23, u32(1, 1, 2, 2) + u64(a, b, c)),
           pkt(0x25, u32(1, 1, 4, 0, 0, 0, 0, 0) + u64(a, c)),
           pkt(0x26, u32(1, 0x3727c5ac, 1, 4) + u64(a, 0, 0, c)),
           pkt(0x27, u32(1, 1, 2, 0, 2, 2, 0, 0, 1, 0, 0, 0) + u64(a, c)),
           pkt(0x22, u32(1, 1, 1, 2, 2, 1, 2, 2, 1, 1, 0, 0, 0, 0) + u64(a, c)),
           pkt(0x21, u32(1, 0, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1) + u64(a, b, 0, c)),
           pkt(0x02, u64(data + 512, 1, 1000))]
    for i, p in enumerate(ops):
        q = bo_stream(t(), p)
        q.io("VNPU_CONTEXT_CREATE", u32(0, 1, 0)) \
         .io("VNPU_SUBMIT", u32(1, 0, 1, 0) + u64(0, len(p), 0) + u32(0, 0) + u64(0) + u64(0))
        s["submit_op%d" % i] = q.b
    # two jobs, the second waiting for the first's fence, and a readonly bind that faults
    q = bo_stream(t(), stream)
    q.io("VNPU_BO_CREATE", u64(4096) + u32(1)) \
     .io("VNPU_VM_BIND", u32(1, 1, 2, 0) + u64(VA + 0x100000, 4096, 0)) \
     .io("VNPU_CONTEXT_CREATE", u32(1, 0, 0)).io("SYNCOBJ_CREATE", u32(0, 0)) \
     .io("VNPU_SUBMIT", u32(1, 0, 1, 0) + u64(0, len(stream), 0) + u32(1, 0) + u64(0) + u64(0)) \
     .io("VNPU_SUBMIT", u32(1, 0, 1, 1) + u64(0, len(stream), 0) + u32(0, 0) + u64(0) + u64(0),
         [(2, u32(1, 0) + u64(0))]) \
     .io("VNPU_VM_BIND", u32(2, 0, 0, 0) + u64(VA, 8192, 0)) \
     .io("VNPU_CONTEXT_DESTROY", u32(1))
    s["submit_chain"] = q.b
    # a user queue: create, one entry of packets, one indirect entry, a signal
    entry = u32(0, 0) + u64(0) + pkt(0x11, u64(data, 64, 1) + u32(1, 0)) + pkt(0x01, u64(data + 64, 9))
    ind = u32(0, 2) + u64(0) + u64(VA, len(stream))
    q = bo_stream(t(), stream)
    q.io("VNPU_QUEUE_CREATE", u32(4096, 0)) \
     .op(UQ_PUSH, bytes([0, 1]) + struct.pack("<H", len(entry)) + entry) \
     .op(UQ_PUSH, bytes([0, 1]) + struct.pack("<H", len(ind)) + ind) \
     .io("SYNCOBJ_CREATE", u32(0, 0)) \
     .io("VNPU_QUEUE_SIGNAL", u32(1, 0) + u64(2) + u32(1, 0) + u64(0)) \
     .io("SYNCOBJ_WAIT", u64(0, 1000000) + u32(1, 0), [(1, u32(1))]) \
     .op(UQ_WPTR, bytes([0]) + u64(12345)).io("VNPU_QUEUE_DESTROY", u32(1))
    s["uq"] = q.b
    s["bo_vram"] = t().io("VNPU_BO_CREATE", u64(65536) + u32(3)).io("VNPU_BO_INFO", u32(1)) \
        .op(MMAP, bytes([0, 0, 0])).io("PRIME_HANDLE_TO_FD", u32(1, 2)) \
        .io("PRIME_FD_TO_HANDLE", u32(0, 0, 0), fds=[2]).io("GEM_CLOSE", u32(1)).b
    return s


def vedge_seeds():
    """fuzz_vedge: a JOB of every operation on both NPUs, chained jobs, a hand-made SUBMIT."""
    STREAM, JOB = 6, 7
    t = lambda: Seq(VEDGE_TABLE, 2)
    ops = ["conv2d", "depthwise", "fc", "maxpool", "avgpool", "add", "mul", "lut", "act_lut", "dma"]

    def job(op, h=4, w=5, c=3, co=2, k=2, fill=7, flags=1 | 4, muts=b"", nmut=0):
        return bytes([op, h, w, c, co, k, fill, flags, nmut]) + muts

    s = {}
    for i, name in enumerate(ops):
        s["job_" + name] = t().op(JOB, job(i)).b
        # vedge.1 (DMA-less): open it, select it (file 1)
        s["job_nodma_" + name] = t().op(OPEN, b"\x01").op(SELECT, b"\x01").op(JOB, job(i)).b
        s["job_sram_" + name] = t().op(JOB, job(i, flags=4 | 16 | 32, fill=i * 3 + 1)).b
    # a chain: the second job waits for the first's out syncobj; a broadcast ADD, a scalar MUL
    s["job_chain"] = t().op(JOB, job(0, flags=1)).op(JOB, job(5, fill=1, flags=1 | 2)) \
        .op(JOB, job(6, fill=2, flags=1 | 2 | 4)).b
    # a job with its stream mutated: IFM HEIGHT at a limit, an extra SET of a scale, raw bytes
    muts = bytes([2, 0x08 | 2, 4, 37]) + bytes([200, 0x18 | 2, 10, 3, 0xe1]) + \
        bytes([1, 0]) + struct.pack("<HHI", 0x89, 0, 0)
    s["job_mutated"] = t().op(JOB, job(0, muts=muts, nmut=3)).b
    # by hand: a BO, its stream written by STREAM (SETs, DMA_COPY to SRAM), SUBMIT with a
    # region at the object's end, BO_INFO, BO_WAIT, the parameters
    q = t()
    for p in range(8):
        q.io("VEDGE_GET_PARAM", u32(p, 0))
    # kind 10: SET, value a limit; kind 2: SET, value a u8; kind 1: an operation
    cmds = bytes([2 | 0x08, 51, 11]) + bytes([2, 52, 255]) + bytes([2, 54, 64]) + bytes([1, 9]) + \
        bytes([2, 1, 0])
    q.io("VEDGE_BO_CREATE", u64(8192) + u32(0, 0)).io("VEDGE_BO_MMAP", u32(1, 0)) \
     .op(MMAP, bytes([0, 1, 0])).op(STREAM, bytes([0, 0, 0, 5]) + cmds) \
     .io("SYNCOBJ_CREATE", u32(0, 0)) \
     .io("VEDGE_SUBMIT", u32(1, 0) + u64(0, 32, 0) + u32(1, 0) + u64(0) + u32(1, 0) + u64(0),
         [(1, u32(1, 0) + u64(4096, 4096))], extra=b"\x00") \
     .io("VEDGE_BO_INFO", u32(1)).io("VEDGE_BO_WAIT", u32(1, 0) + u64(1 << 62)) \
     .io("SYNCOBJ_WAIT", u64(0, 1000000) + u32(1, 0), [(3, u32(1))]) \
     .io("SYNCOBJ_HANDLE_TO_FD", u32(1, 0, 0, 0)).io("PRIME_HANDLE_TO_FD", u32(1, 2))
    s["submit_by_hand"] = q.b
    return s


def acceld_seeds():
    s = {}
    HDR = "<IHHIiII"
    MAGIC = 0x4c434341

    def msg(op, body, ctl=4, nfds=0, mid=2):
        m = struct.pack(HDR, MAGIC, op, 0, mid, 0, len(body), nfds) + body
        return bytes([ctl]) + struct.pack("<H", len(m)) + m

    def ioctl(cmd, arg, argbytes, regions=(), nfds=0, ctl=4, fdnums=()):
        """IOCTL: the argument as an IN|OUT region at @arg, then the extra regions."""
        regs = [(arg, argbytes, 3)] + list(regions)
        fdnums = list(fdnums) + [0] * (16 - len(fdnums))
        body = u64(cmd, arg) + u32(len(regs), nfds) + struct.pack("<16i", *fdnums)
        for addr, data, kind in regs:
            if kind & 1:
                body += u64(addr) + u32(len(data), kind) + data.ljust((len(data) + 7) & ~7, b"\0")
            else:
                body += u64(addr) + u32(len(data), kind)
        return msg(2, body, ctl | nfds, nfds)

    def iowr(nr, size):
        return (3 << 30) | (size << 16) | (0x64 << 8) | nr

    A = 0x7f0000001000
    s["hello_only"] = bytes([1])
    s["raw_hello"] = bytes([0]) + msg(1, u32(1, 2), mid=1)
    s["bad_version"] = bytes([0]) + msg(1, u32(9, 2), mid=1)
    s["version"] = bytes([1]) + ioctl(iowr(0x00, 64), A, u32(0, 0, 0, 0) + u64(16, A + 0x100, 16, A + 0x200, 16, A + 0x300),
                                      [(A + 0x100, b"\0" * 16, 2), (A + 0x200, b"\0" * 16, 2), (A + 0x300, b"\0" * 16, 2)])
    create_bo = iowr(0x40, 16)
    s["bo_mmap"] = bytes([1]) + ioctl(create_bo, A, u64(4096) + u32(0, 0)) \
        + ioctl(iowr(0x41, 24), A, u32(1, 0) + u64(0, 0)) \
        + msg(3, u64(0x100000000, 4096) + u32(3, 1)) + msg(4, u64(1))
    s["prime"] = bytes([1]) + ioctl(create_bo, A, u64(4096) + u32(0, 0)) \
        + ioctl(iowr(0x2d, 12), A, u32(1, 0x80002, 0)) \
        + ioctl(iowr(0x2e, 12), A, u32(0, 0, 5), nfds=1, ctl=0x10, fdnums=[5])
    s["syncobj"] = bytes([1]) + ioctl(iowr(0xbf, 8), A, u32(0, 1)) \
        + ioctl(iowr(0xc1, 16), A, u32(1, 0, 0, 0)) \
        + ioctl(iowr(0xc3, 40), A, u64(A + 0x100, 1000) + u32(1, 0, 0, 0) + u64(0), [(A + 0x100, u32(1), 1)]) \
        + ioctl(iowr(0xcf, 24), A, u32(1, 0) + u64(0) + u32(7, 0), nfds=1, fdnums=[7])
    s["attach"] = bytes([1]) + msg(5, b"", ctl=4 | 1 | 0x20, nfds=1)
    s["too_many_fds"] = bytes([1]) + msg(2, b"\0" * 96, ctl=4 | 0x80)
    s["short"] = bytes([1]) + bytes([0, 3, 0]) + b"ACC"
    # an empty message carrying two descriptors (acceld leaked them), then a valid one
    s["empty_with_fds"] = bytes([1]) + bytes([2, 0, 0]) + ioctl(create_bo, A, u64(4096) + u32(0, 0))
    s["oversized"] = bytes([1]) + msg(2, b"\0" * 96, ctl=4 | 8)
    s["mmap_bad"] = bytes([1]) + msg(3, u64(4095, 0) + u32(0, 0)) + msg(4, u64(0) + u64(0))
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    for target, seeds in (("core", core_seeds()), ("vnpu", vnpu_seeds()), ("vedge", vedge_seeds()),
                          ("acceld", acceld_seeds())):
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
