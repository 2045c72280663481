pragma circom 2.1.9;
// A deliberately broken Rescale, as in a published circom ML library: the remainder is only
// assigned at witness time, never range-checked. The soundness tests show that with it a prover can
// claim any output in range, which is why Rescale checks both the quotient and the remainder.
include "circomlib/circuits/bitify.circom";
template RescaleUnchecked(S, B) {
    signal input in;
    signal output out;
    var OFFSET = 2 ** (B + S - 1);
    signal qOff <-- (in + OFFSET) \ (2 ** S);
    signal r <-- (in + OFFSET) % (2 ** S);
    component qBits = Num2Bits(B);
    qBits.in <== qOff;
    in + OFFSET === qOff * (2 ** S) + r;
    out <== qOff - 2 ** (B - 1);
}
component main = RescaleUnchecked(4, 6);
