pragma circom 2.1.9;

// Fixed-point building blocks for proofgrid model circuits.
//
// Values are integers at a power-of-two scale 2^S. A product of two values has scale 2^(2S) and is
// brought back to 2^S by Rescale, the only place where precision is dropped. Every template states
// the range its inputs must lie in; the generator (src/pipeline/circuit.ts) proves those ranges by
// interval arithmetic over the whole model before it writes a circuit, and the range checks below
// make the statement sound for any witness, honest or not.

include "circomlib/circuits/bitify.circom";

// out = floor(in / 2^S), with the remainder range-checked in the circuit.
//
// Requires: in lies in [-2^(B+S-1), 2^(B+S-1)), and B + S + 1 < 253.
// Guarantees: out in [-2^(B-1), 2^(B-1)), nonneg = (out >= 0), and
//             in = out * 2^S + r with 0 <= r < 2^S, so out is the only value the prover can claim.
//
// Why both range checks: with r only assigned at witness time (a known bug in a published circom ML
// library), a prover picks any out and sets r = in - out * 2^S. With r in [0, 2^S) but out
// unbounded, out = (in - r) / 2^S has a solution in the field for every r, so 2^S outputs pass.
// With both, in + 2^(B+S-1) = qOff * 2^S + r has exactly one solution with qOff < 2^B and r < 2^S,
// because both sides are below 2^(B+S) < p: no wrap-around.
//
// Cost: B + S non-linear constraints (two bit decompositions). The top bit of qOff = out + 2^(B-1)
// is the sign of out, so a ReLU after it costs one more constraint and no comparison.
template Rescale(S, B) {
    assert(S >= 1);
    assert(B >= 1);
    assert(B + S + 1 < 253);
    signal input in;
    signal output out;
    signal output nonneg;

    var OFFSET = 2 ** (B + S - 1);
    // Witness hints only: the constraints below decide what is accepted.
    signal qOff <-- (in + OFFSET) \ (2 ** S);
    signal r <-- (in + OFFSET) % (2 ** S);

    component qBits = Num2Bits(B);  // qOff in [0, 2^B): out in [-2^(B-1), 2^(B-1))
    qBits.in <== qOff;
    component rBits = Num2Bits(S);  // 0 <= r < 2^S: the remainder check that makes out unique
    rBits.in <== r;

    in + OFFSET === qOff * (2 ** S) + r;

    out <== qOff - 2 ** (B - 1);
    nonneg <== qBits.out[B - 1];
}

// nonneg = (in >= 0) for in in [-2^(B-1), 2^(B-1)); fails for anything else. For activations that do
// not follow a Rescale (whose sign bit comes for free). Cost: B non-linear constraints.
template SignOf(B) {
    assert(B >= 1 && B < 253);
    signal input in;
    signal output nonneg;
    component bits = Num2Bits(B);
    bits.in <== in + 2 ** (B - 1);
    nonneg <== bits.out[B - 1];
}

// out = max(in, 0). `nonneg` must be the bit that says in >= 0, from Rescale or SignOf: it is
// constrained there, so this costs a single multiplication.
template Relu() {
    signal input in;
    signal input nonneg;
    signal output out;
    out <== in * nonneg;
}

// out = in if in >= 0, else floor(in * A / 2^S): LeakyReLU with slope alpha = A / 2^S.
// Requires: in in [-2^(B-1), 2^(B-1)), nonneg from Rescale/SignOf for `in`, and B2 large enough for
// floor(in * A / 2^S) (the generator computes it). Cost: S + B2 + 1 non-linear constraints.
template LeakyRelu(S, A, B2) {
    signal input in;
    signal input nonneg;
    signal output out;
    component scaled = Rescale(S, B2);
    scaled.in <== in * A;  // multiplication by a constant: no constraint
    // out = nonneg ? in : scaled, written as one product.
    out <== scaled.out + nonneg * (in - scaled.out);
}

// The dot products of a dense layer whose weights and biases are circuit constants.
// z[j] = b[j] + sum_i W[j][i] * in[i]. Weights have scale 2^S, inputs 2^S, biases 2^(2S), so z has
// scale 2^(2S). Multiplying by a constant costs nothing in R1CS: the whole layer is linear, and the
// only constraints are the ones of the Rescale that follows.
template Dense(nIn, nOut, W, b) {
    signal input in[nIn];
    signal output out[nOut];
    for (var j = 0; j < nOut; j++) {
        var acc = b[j];
        for (var i = 0; i < nIn; i++) {
            acc += W[j][i] * in[i];
        }
        out[j] <== acc;
    }
}

// Rescale of a whole vector, with the sign bits kept for an activation.
template RescaleVector(n, S, B) {
    signal input in[n];
    signal output out[n];
    signal output nonneg[n];
    component r[n];
    for (var j = 0; j < n; j++) {
        r[j] = Rescale(S, B);
        r[j].in <== in[j];
        out[j] <== r[j].out;
        nonneg[j] <== r[j].nonneg;
    }
}

template ReluVector(n) {
    signal input in[n];
    signal input nonneg[n];
    signal output out[n];
    for (var j = 0; j < n; j++) {
        out[j] <== in[j] * nonneg[j];
    }
}

template SignVector(n, B) {
    signal input in[n];
    signal output nonneg[n];
    component s[n];
    for (var j = 0; j < n; j++) {
        s[j] = SignOf(B);
        s[j].in <== in[j];
        nonneg[j] <== s[j].nonneg;
    }
}

template LeakyReluVector(n, S, A, B2) {
    signal input in[n];
    signal input nonneg[n];
    signal output out[n];
    component l[n];
    for (var j = 0; j < n; j++) {
        l[j] = LeakyRelu(S, A, B2);
        l[j].in <== in[j];
        l[j].nonneg <== nonneg[j];
        out[j] <== l[j].out;
    }
}

// out = floor(a * b / 2^S): the element-wise product of two computed vectors, rescaled.
// Requires: every floor(a[j] * b[j] / 2^S) in [-2^(B-1), 2^(B-1)) (the generator proves it from the
// corners of both ranges). Cost: n * (1 + S + B) non-linear constraints.
template MulVector(n, S, B) {
    signal input a[n];
    signal input b[n];
    signal output out[n];
    signal output nonneg[n];
    signal product[n];
    component r[n];
    for (var j = 0; j < n; j++) {
        product[j] <== a[j] * b[j];
        r[j] = Rescale(S, B);
        r[j].in <== product[j];
        out[j] <== r[j].out;
        nonneg[j] <== r[j].nonneg;
    }
}
