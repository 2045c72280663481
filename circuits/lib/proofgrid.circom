pragma circom 2.1.9;

// Everything a generated model circuit needs. Include with `-l circuits/lib -l node_modules`.
include "fixedpoint.circom";
include "argmax.circom";
include "packing.circom";
include "functions.circom";

// Ties a proof to one statement that is not otherwise part of the computation: the hub's job, the
// prover and the model (see IProofVerifier). Groth16 already binds every public input through its
// verifying key; the square is a constraint that uses the signal anyway, so no optimiser or future
// proving system can treat it as free (the habit of Semaphore's dummy square).
template Binding() {
    signal input in;
    signal square;
    square <== in * in;
}
