pragma circom 2.1.9;
// Test harness: ReLU on a value whose sign comes from SignOf(8).
include "fixedpoint.circom";
template ReluHarness() {
    signal input in;
    signal output out;
    component sign = SignOf(8);
    sign.in <== in;
    component relu = Relu();
    relu.in <== in;
    relu.nonneg <== sign.nonneg;
    out <== relu.out;
}
component main = ReluHarness();
