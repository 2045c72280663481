pragma circom 2.1.9;

// The baseline for the benchmarks only (scripts/bench.ts): a dense layer whose weights and biases
// are private input signals, as a published circom ML library does. Every product W[j][i] * x[i]
// is then a multiplication of two signals: one non-linear constraint each, nIn * nOut per layer,
// where proofgrid's Dense (weights as constants) costs none.
template DensePrivate(nIn, nOut) {
    signal input in[nIn];
    signal input W[nOut][nIn];
    signal input b[nOut];
    signal output out[nOut];
    signal products[nOut][nIn];
    for (var j = 0; j < nOut; j++) {
        var acc = b[j];
        for (var i = 0; i < nIn; i++) {
            products[j][i] <== W[j][i] * in[i];
            acc += products[j][i];
        }
        out[j] <== acc;
    }
}
