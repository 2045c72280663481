pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";

// Packing of small values into few field elements, so that a proof needs few public inputs: each
// public input costs about 6,150 gas in the verifier's multi-scalar multiplication, a constraint
// costs nothing on chain. Element j holds values j*per .. j*per+per-1, value k of the element at
// bits [k*bits, (k+1)*bits). The on-chain adapter (contracts/zk/Groth16InferenceAdapter.sol) and the
// engine (src/engine/packing.ts) use the same layout.

function packedLength(n, per) {
    return (n + per - 1) \ per;
}

// out[i] in [0, 2^bits), read from `packed`. The decomposition is the range check: it fails unless
// every element is below 2^(per*bits), and per*bits <= 252 < log2(p) keeps it free of aliases, so
// the values are the only ones that pack to the public inputs. Cost: bits per value.
template Unpack(n, bits, per) {
    assert(bits >= 1 && per >= 1 && per * bits <= 252);
    var m = packedLength(n, per);
    signal input packed[m];
    signal output out[n];

    component dec[m];
    for (var j = 0; j < m; j++) {
        var count = n - j * per;
        if (count > per) {
            count = per;
        }
        dec[j] = Num2Bits(count * bits);
        dec[j].in <== packed[j];
        for (var k = 0; k < count; k++) {
            var v = 0;
            for (var t = 0; t < bits; t++) {
                v += dec[j].out[k * bits + t] * 2 ** t;
            }
            out[j * per + k] <== v;
        }
    }
}

// The inverse of Unpack. Requires: every in[i] in [0, 2^bits), which the caller must already have
// enforced (the generator only packs values whose range it has proven); then the packing is
// injective. Linear: no non-linear constraint.
template Pack(n, bits, per) {
    assert(bits >= 1 && per >= 1 && per * bits <= 252);
    var m = packedLength(n, per);
    signal input in[n];
    signal output packed[m];
    for (var j = 0; j < m; j++) {
        var acc = 0;
        for (var k = 0; k < per && j * per + k < n; k++) {
            acc += in[j * per + k] * 2 ** (k * bits);
        }
        packed[j] <== acc;
    }
}

// Pack, with every value range-checked to [0, 2^bits) first (one bit decomposition each). Without
// the check, a value past the top would carry into its neighbour and two output vectors would
// pack to the same field element: a proof of one would verify as the other.
template PackChecked(n, bits, per) {
    signal input in[n];
    signal output packed[packedLength(n, per)];
    component bitsOf[n];
    for (var i = 0; i < n; i++) {
        bitsOf[i] = Num2Bits(bits);
        bitsOf[i].in <== in[i];
    }
    component pack = Pack(n, bits, per);
    pack.in <== in;
    packed <== pack.packed;
}

