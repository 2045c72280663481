pragma circom 2.1.9;

// Non-linear functions: piecewise quadratics with range-checked segment selection, and softmax.
// The engine (src/engine/piecewise.ts) computes the same integers; the tables and their error
// bounds come from src/pipeline/functions.ts.

include "circomlib/circuits/bitify.circom";
include "fixedpoint.circom";
include "argmax.circom";

// out = table(in):
//   xc = clamp(in, LO, HI);  xc - LO = seg * 2^K + r  (seg < 2^M, r < 2^K);
//   out = floor((c0[seg] + r * (c1[seg] + r * c2[seg])) / 2^SHIFT) + SLOPEHI * over + SLOPELO * under
// with over = max(in - HI, 0) and under = min(in - LO, 0).
//
// Parameters: BH and BL are the widths of the sign checks of in - HI and in - LO; 0 means the end is
// never passed (the generator proves it from the input's range) and costs nothing. A[j][mask] are
// the coefficients c_j as multilinear polynomials of the segment's bits: c_j = sum over masks of
// A[j][mask] * prod_{b in mask} seg_b, which picks the segment's coefficient with 2^M - M - 1
// products shared by c0, c1 and c2. OUTB is the width of floor(P / 2^SHIFT) over the domain.
//
// Requires: in - HI in [-2^(BH-1), 2^(BH-1)) when BH > 0, in - LO likewise for BL, HI - LO < 2^(M+K),
// and OUTB + SHIFT + 1 < 253.
// Soundness: the sign bits are range-checked (SignOf), so over, under and xc are the honest ones;
// the decomposition of xc - LO into M + K bits is unique, so seg and r are; c0, c1, c2 and P are then
// fixed, and Rescale's two range checks leave one output. A wrong output, segment or remainder fails.
// Cost: (BH + 1) + (BL + 1) (when present) + (M + K) + (2^M - M - 1) + 2 + (SHIFT + OUTB).
template Piecewise(LO, HI, BL, BH, M, K, A, SHIFT, OUTB, SLOPELO, SLOPEHI) {
    assert(M + K >= 1);
    signal input in;
    signal output out;

    signal over;
    signal under;
    component hiSign;
    component loSign;
    if (BH > 0) {
        hiSign = SignOf(BH);
        hiSign.in <== in - HI;
        over <== hiSign.nonneg * (in - HI);
    } else {
        over <== 0;
    }
    if (BL > 0) {
        loSign = SignOf(BL);
        loSign.in <== in - LO;
        under <== (1 - loSign.nonneg) * (in - LO);
    } else {
        under <== 0;
    }

    // xc - LO in M + K bits: the range check of the clamped input, and the segment and remainder.
    component bits = Num2Bits(M + K);
    bits.in <== in - over - under - LO;
    var r = 0;
    for (var i = 0; i < K; i++) {
        r += bits.out[i] * 2 ** i;
    }

    // Products of the segment bits over every subset (mask) of them.
    signal mono[2 ** M];
    for (var mask = 0; mask < 2 ** M; mask++) {
        if (mask == 0) {
            mono[mask] <== 1;
        } else {
            var high = 0;
            while (2 ** (high + 1) <= mask) {
                high++;
            }
            var rest = mask - 2 ** high;
            if (rest == 0) {
                mono[mask] <== bits.out[K + high];
            } else {
                mono[mask] <== mono[rest] * bits.out[K + high];
            }
        }
    }
    var c0 = 0;
    var c1 = 0;
    var c2 = 0;
    for (var mask = 0; mask < 2 ** M; mask++) {
        c0 += A[0][mask] * mono[mask];
        c1 += A[1][mask] * mono[mask];
        c2 += A[2][mask] * mono[mask];
    }

    signal t2;
    t2 <== c2 * r;
    signal t1;
    t1 <== (c1 + t2) * r;
    component rescale = Rescale(SHIFT, OUTB);
    rescale.in <== c0 + t1;
    out <== rescale.out + SLOPEHI * over + SLOPELO * under;
}

template PiecewiseVector(n, LO, HI, BL, BH, M, K, A, SHIFT, OUTB, SLOPELO, SLOPEHI) {
    signal input in[n];
    signal output out[n];
    component f[n];
    for (var j = 0; j < n; j++) {
        f[j] = Piecewise(LO, HI, BL, BH, M, K, A, SHIFT, OUTB, SLOPELO, SLOPEHI);
        f[j].in <== in[j];
        out[j] <== f[j].out;
    }
}

// out[i] = floor(e[i] * 2^S / sum e), e[i] = exp table(in[i] - max in), the exp table's parameters
// as in Piecewise (domain [LO, 0], a constant tail below LO).
//
// Requires: in[i] in [-2^(B-1), 2^(B-1)); every e[i] >= 0 and e at the maximum > 0 (the generator
// checks the table), so 0 < sum < 2^SB; S + SB + 2 < 253.
// Soundness: Argmax constrains max (max >= every input, and equal to one), so every in[i] - max is
// the honest one and so is every e[i]. out[i] < 2^(S+1) and 0 <= rem[i] < sum are range-checked, so
// e[i] * 2^S = out[i] * sum + rem[i] holds over the integers (both sides are below p): floor
// division, one solution. Cost: n * (B + 2) + n * Piecewise + n * (S + 2 + 2 * SB).
template Softmax(n, B, LO, BL, M, K, A, SHIFT, OUTB, S, SB) {
    assert(S + SB + 2 < 253);
    signal input in[n];
    signal output out[n];

    component top = Argmax(n, B);
    top.in <== in;
    component e[n];
    var sum = 0;
    for (var i = 0; i < n; i++) {
        e[i] = Piecewise(LO, 0, BL, 0, M, K, A, SHIFT, OUTB, 0, 0);
        e[i].in <== in[i] - top.max;
        sum += e[i].out;
    }
    signal total;
    total <== sum;

    signal rem[n];
    component outBits[n];
    component remBits[n];
    component gapBits[n];
    for (var i = 0; i < n; i++) {
        // Witness hints: the constraints below decide what is accepted.
        out[i] <-- (e[i].out * 2 ** S) \ total;
        rem[i] <-- (e[i].out * 2 ** S) % total;
        outBits[i] = Num2Bits(S + 1);
        outBits[i].in <== out[i];
        remBits[i] = Num2Bits(SB);
        remBits[i].in <== rem[i];
        gapBits[i] = Num2Bits(SB);
        gapBits[i].in <== total - rem[i] - 1;
        e[i].out * 2 ** S === out[i] * total + rem[i];
    }
}
