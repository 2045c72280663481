// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";

/// @title Groth16InferenceAdapter
/// @notice Connects a generated Groth16 verifier (one per model circuit, in the model's build directory)
///         to the hub's IProofVerifier: it turns the hub's statement into the circuit's public signals.
///         `proofgrid model build` writes a small contract per model that inherits this one (imported
///         as proofgrid/contracts/zk/Groth16InferenceAdapter.sol) with the circuit's layout as constants.
/// @dev Public signals, in the circuit's order (src/pipeline/circuit.ts):
///        [ outputPacked[0..], binding, inputPacked[0..] ]
///      binding = keccak256(abi.encode(block.chainid, hub, jobId, prover, weightsCommitment)) >> 3,
///      which is below 2^253 and so a field element. Values are packed as `value - lo` in `bits`
///      bits, floor(252 / bits) per element, value k of an element at bits [k * bits, (k + 1) * bits).
///      The weights are constants of the circuit, so the verifying key fixes them; the adapter
///      refuses any other weights commitment, so a release cannot point this verifier at a model
///      it does not check.
contract Groth16InferenceAdapter is IProofVerifier {
    /// @notice How a vector is encoded into the public signals.
    /// @dev [lo, size, bits]: [256, 32, 8] (memory struct for the constructor only).
    struct Encoding {
        int256 lo;
        uint32 size;
        uint8 bits;
    }

    /// @notice Thrown when the hub asks about a model whose weights commitment is not this circuit's.
    error AdapterWrongWeights(bytes32 expected, bytes32 given);
    /// @notice Thrown when the input has the wrong number of values.
    error AdapterInputLength(uint256 expected, uint256 given);
    /// @notice Thrown when an input value is outside the range the circuit accepts: no proof can exist.
    error AdapterInputOutOfRange(uint256 index, int256 value, int256 min, int256 max);
    /// @notice Thrown when the proof is not abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c).
    error AdapterProofLength(uint256 given);
    /// @notice Thrown by the constructor for a layout that cannot be packed.
    error AdapterBadLayout();

    /// @notice The generated snarkjs verifier: verifyProof(uint[2], uint[2][2], uint[2], uint[N]).
    address public immutable groth16Verifier;
    /// @notice The commitment to the quantized weights that the circuit's constants encode.
    bytes32 public immutable weightsCommitment;
    /// @notice The number of public signals N.
    uint256 public immutable publicSignals;

    bytes4 private immutable _selector;
    int256 private immutable _inputLo;
    int256 private immutable _outputLo;
    uint256 private immutable _inputSize;
    uint256 private immutable _outputSize;
    uint256 private immutable _inputBits;
    uint256 private immutable _outputBits;

    constructor(address verifier, bytes32 weights, Encoding memory input, Encoding memory output) {
        if (
            verifier.code.length == 0 || input.size == 0 || output.size == 0 || input.bits == 0 || output.bits == 0
                || input.bits > 252 || output.bits > 252
        ) revert AdapterBadLayout();
        groth16Verifier = verifier;
        weightsCommitment = weights;
        _inputLo = input.lo;
        _outputLo = output.lo;
        _inputSize = input.size;
        _outputSize = output.size;
        _inputBits = input.bits;
        _outputBits = output.bits;
        uint256 n = _packedLength(output.size, output.bits) + 1 + _packedLength(input.size, input.bits);
        publicSignals = n;
        _selector = bytes4(
            keccak256(
                abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", Strings.toString(n), "])")
            )
        );
    }

    /// @inheritdoc IProofVerifier
    /// @dev Reverts for a statement no proof can satisfy because of its caller (wrong weights, input
    ///      length or range, proof length); returns false for a proof that does not verify, which
    ///      includes any output outside the circuit's range.
    function verifyInference(
        uint256 jobId,
        address prover,
        bytes32 weights,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata proof
    ) external view returns (bool) {
        return verifyStatement(msg.sender, jobId, prover, weights, input, output, proof);
    }

    /// @inheritdoc IProofVerifier
    function verifyStatement(
        address hub,
        uint256 jobId,
        address prover,
        bytes32 weights,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata proof
    ) public view returns (bool) {
        if (weights != weightsCommitment) revert AdapterWrongWeights(weightsCommitment, weights);
        if (input.length != _inputSize) revert AdapterInputLength(_inputSize, input.length);
        if (proof.length != 256) revert AdapterProofLength(proof.length);
        if (output.length != _outputSize) return false;

        uint256[] memory signals = new uint256[](publicSignals);
        uint256 bindingAt = _packedLength(_outputSize, _outputBits);
        _pack(input, _inputLo, _inputBits, signals, bindingAt + 1, true);
        (bool outputOk,) = _pack(output, _outputLo, _outputBits, signals, 0, false);
        if (!outputOk) return false;
        signals[bindingAt] = uint256(keccak256(abi.encode(block.chainid, hub, jobId, prover, weights))) >> 3;

        // The proof's eight words are already the calldata layout of (a, b, c); the signals follow.
        (bool ok, bytes memory ret) = groth16Verifier.staticcall(abi.encodePacked(_selector, proof, signals));
        return ok && ret.length == 32 && abi.decode(ret, (bool));
    }

    /// @notice The public signals of the circuit for a statement, for off-chain checks and tests.
    function publicSignalsOf(
        address hub,
        uint256 jobId,
        address prover,
        int256[] calldata input,
        int256[] calldata output
    ) external view returns (uint256[] memory signals) {
        if (input.length != _inputSize) revert AdapterInputLength(_inputSize, input.length);
        if (output.length != _outputSize) revert AdapterInputLength(_outputSize, output.length);
        signals = new uint256[](publicSignals);
        (, uint256 next) = _pack(output, _outputLo, _outputBits, signals, 0, true);
        signals[next] = uint256(keccak256(abi.encode(block.chainid, hub, jobId, prover, weightsCommitment))) >> 3;
        _pack(input, _inputLo, _inputBits, signals, next + 1, true);
    }

    /// @dev Packs `values` into signals[next..]; returns whether all were in range and the next free index.
    ///      Out of range: reverts when `strict`, else returns false.
    function _pack(int256[] calldata values, int256 lo, uint256 bits, uint256[] memory signals, uint256 next, bool strict)
        private
        pure
        returns (bool, uint256)
    {
        uint256 per = 252 / bits;
        // lo + 2^bits - 1 cannot overflow: the values come from circuits with bits <= 252 and lo
        // above -2^252, written by the generator.
        int256 hi = lo + int256((uint256(1) << bits) - 1);
        uint256 n = values.length;
        uint256 acc;
        uint256 k;
        for (uint256 i; i < n; ++i) {
            int256 v = values[i];
            if (v < lo || v > hi) {
                if (strict) revert AdapterInputOutOfRange(i, v, lo, hi);
                return (false, next);
            }
            // Below 2^bits by the check above; k * bits + bits <= 252.
            acc |= uint256(v - lo) << (k * bits);
            if (++k == per) {
                signals[next] = acc;
                ++next;
                (acc, k) = (0, 0);
            }
        }
        if (k != 0) {
            signals[next] = acc;
            ++next;
        }
        return (true, next);
    }

    function _packedLength(uint256 size, uint256 bits) private pure returns (uint256) {
        uint256 per = 252 / bits;
        return (size + per - 1) / per;
    }
}
