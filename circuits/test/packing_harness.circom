pragma circom 2.1.9;
// Test harness: 5 values of 100 bits, 2 per element (3 elements), unpacked and packed again.
include "packing.circom";
template PackingHarness() {
    signal input packed[3];
    signal output values[5];
    signal output repacked[3];
    component unpack = Unpack(5, 100, 2);
    unpack.packed <== packed;
    values <== unpack.out;
    component pack = Pack(5, 100, 2);
    pack.in <== unpack.out;
    repacked <== pack.packed;
}
component main = PackingHarness();
