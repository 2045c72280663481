pragma circom 2.1.9;
// Test harness: Rescale with small widths so that tests can reach the edges of every range.
include "fixedpoint.circom";
component main = Rescale(4, 6);
