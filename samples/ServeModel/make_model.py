#!/usr/bin/env python3
"""Writes linear.onnx: score = x · [0.5, -1.25, 2.0] + 0.75 for x of shape [N, 3].

The ONNX protobuf is encoded by hand (no onnx package needed): one MatMul and one Add, with the
weights as initializers, IR version 8, opset 13.
"""
import struct
import sys

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def key(field, wire):
    return varint((field << 3) | wire)

def vint(field, n):
    return key(field, 0) + varint(n)

def ld(field, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return key(field, 2) + varint(len(payload)) + payload

def tensor(name, dims, values):
    packed = b"".join(struct.pack("<f", v) for v in values)
    return b"".join(vint(1, d) for d in dims) + vint(2, 1) + ld(8, name) + ld(9, packed)

def value_info(name, dims):
    shape = b"".join(ld(1, ld(2, d) if isinstance(d, str) else vint(1, d)) for d in dims)
    tensor_type = vint(1, 1) + ld(2, shape)
    return ld(1, name) + ld(2, ld(1, tensor_type))

def node(op, inputs, outputs, name):
    return b"".join(ld(1, i) for i in inputs) + b"".join(ld(2, o) for o in outputs) + ld(3, name) + ld(4, op)

WEIGHTS = [0.5, -1.25, 2.0]
BIAS = 0.75

graph = (
    ld(1, node("MatMul", ["features", "W"], ["xw"], "matmul"))
    + ld(1, node("Add", ["xw", "B"], ["score"], "add"))
    + ld(2, "linear")
    + ld(5, tensor("W", [3, 1], WEIGHTS))
    + ld(5, tensor("B", [1], [BIAS]))
    + ld(11, value_info("features", ["N", 3]))
    + ld(12, value_info("score", ["N", 1]))
)
model = vint(1, 8) + ld(2, "cairn-sample") + ld(7, graph) + ld(8, ld(1, "") + vint(2, 13))

with open(sys.argv[1] if len(sys.argv) > 1 else "linear.onnx", "wb") as f:
    f.write(model)
