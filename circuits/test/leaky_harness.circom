pragma circom 2.1.9;
// Test harness: LeakyReLU with slope 3/16 (S = 4) on an 8-bit value.
include "fixedpoint.circom";
template LeakyHarness() {
    signal input in;
    signal output out;
    component sign = SignOf(8);
    sign.in <== in;
    component leaky = LeakyRelu(4, 3, 8);
    leaky.in <== in;
    leaky.nonneg <== sign.nonneg;
    out <== leaky.out;
}
component main = LeakyHarness();
