pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";

// index = the first i with in[i] = max(in), and max = in[index].
//
// Requires: every in[i] in [-2^(B-1), 2^(B-1)) (true of any Rescale, Relu or argmax output, whose
// ranges the generator knows). Cost: n * (B + 2) non-linear constraints, no 254-bit comparison.
//
// sel is a one-hot selector of the index. With seen_i = sel[0] + ... + sel[i] (1 from the index on):
//   max - in[i] - 1 + seen_i >= 0   for every i,
// which says max > in[i] before the index and max >= in[i] from it on. The left side is below 2^B
// for honest values, and a Num2Bits(B) of it fails for any negative value (a field element near p),
// so only the first maximum passes: ties go to the lowest index, as in the engine.
template Argmax(n, B) {
    assert(n >= 1);
    assert(B >= 1 && B + 2 < 253);
    signal input in[n];
    signal output index;
    signal output max;

    // Witness hint: circom compares field elements as signed values in (-p/2, p/2].
    var best = 0;
    for (var i = 1; i < n; i++) {
        if (in[i] > in[best]) {
            best = i;
        }
    }
    signal sel[n];
    for (var i = 0; i < n; i++) {
        sel[i] <-- i == best ? 1 : 0;
        sel[i] * (sel[i] - 1) === 0;
    }

    var count = 0;
    var idx = 0;
    for (var i = 0; i < n; i++) {
        count += sel[i];
        idx += i * sel[i];
    }
    count === 1;  // exactly one index is selected
    index <== idx;

    signal picked[n];
    var m = 0;
    for (var i = 0; i < n; i++) {
        picked[i] <== sel[i] * in[i];
        m += picked[i];
    }
    max <== m;

    component gap[n];
    var seen = 0;
    for (var i = 0; i < n; i++) {
        seen += sel[i];
        gap[i] = Num2Bits(B);
        gap[i].in <== max - in[i] - 1 + seen;
    }
}
