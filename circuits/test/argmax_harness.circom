pragma circom 2.1.9;
// Test harness: argmax of 5 values of 6 bits.
include "argmax.circom";
component main = Argmax(5, 6);
